/**
 * The handoff tools: a chat exports context and writes a plan into `.ai-bridge/`, a local agent
 * (`patchbay handoff execute`) carries it out, and the chat reads the status and the diff back.
 * Every write lands in `.ai-bridge/` and nowhere else.
 */
import * as v from "valibot";
import type { ToolDeclaration } from "../../mcp/tool.ts";
import { codexProAlias, onByDefault, READ_ONLY, redactorOf, repoPathArg } from "./args.ts";
import { exportContext, handoffDiff, MAX_PLAN_CHARS, PLAN_FILE, readBridgeFile, readHandoffStatus, writeHandoffStatus, writePlan } from "../handoff.ts";
import { LIMITS } from "../limits.ts";
import { AI_BRIDGE_DIR, aiBridgeState } from "../orientation.ts";
import { defineWorkspaceTool } from "./workspace-tool.ts";

const WRITES_BRIDGE = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

// Alias inputs reuse these pieces: an alias's arguments must always map onto valid canonical ones.
const packName = v.pipe(v.string(), v.minLength(1), v.maxLength(100), v.description("Written to .ai-bridge/context-<name>.md."));
const selectedPaths = v.optional(v.pipe(v.array(v.string()), v.maxLength(50), v.description("Files to include.")));
const exportInput = {
  repo_path: repoPathArg,
  name: packName,
  target_path: v.optional(v.pipe(v.string(), v.description("Load AGENTS.md files from the root down to this path."))),
  selected_paths: selectedPaths,
  include_diff: v.optional(v.pipe(v.boolean(), v.description("Unstaged diff."))),
  include_ai_bridge: v.optional(v.pipe(v.boolean(), v.description("Handoff files."))),
  include_git: onByDefault(),
  max_file_bytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.description(`At most ${LIMITS.readBytes}.`))),
};

export const exportContextTool = defineWorkspaceTool({
  name: "codex_export_context",
  title: "Export context pack",
  description:
    "Write a context pack (AGENTS.md chain, selected files, git status, optionally the diff) to .ai-bridge/context-<name>.md for another agent or chat.",
  input: v.strictObject(exportInput),
  output: v.object({ file: v.string(), bytes: v.number(), truncated: v.boolean(), skipped: v.array(v.string()) }),
  annotations: WRITES_BRIDGE,
  capability: "record",
  modes: ["standard", "full"],
  argumentAliases: { title: "name" },
  aliases: [codexProAlias("export_pro_context", exportInput, { renames: { paths: "selected_paths", title: "name" }, defaults: { name: "pro" } })],
  labels: { invoking: "Exporting context", invoked: "Context exported" },
  async handler(args, context, ws) {
    const result = await exportContext(
      ws,
      {
        name: args.name,
        targetPath: args.target_path,
        selectedPaths: args.selected_paths,
        includeDiff: args.include_diff,
        includeAiBridge: args.include_ai_bridge,
        includeGit: args.include_git,
        maxFileBytes: args.max_file_bytes,
        signal: context.signal,
      },
      redactorOf(context),
    );
    const skipped = result.skipped.length > 0 ? ` Skipped: ${result.skipped.join("; ")}.` : "";
    return { text: `Wrote ${result.file} (${result.bytes} bytes${result.truncated ? ", truncated" : ""}).${skipped}`, structured: result };
  },
});

const statusInput = { repo_path: repoPathArg, create_if_missing: v.optional(v.boolean()) };

const planFields = {
  plan: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_PLAN_CHARS), v.description("Markdown: what to change, where, how to check it.")),
  title: v.optional(v.pipe(v.string(), v.maxLength(200))),
  agent: v.optional(v.pipe(v.string(), v.maxLength(100), v.description("Who carries it out, e.g. codex."))),
  model: v.optional(v.pipe(v.string(), v.maxLength(100))),
  append: v.optional(v.pipe(v.boolean(), v.description("Add to the current plan instead of replacing it."))),
};
const planInput = { repo_path: repoPathArg, ...planFields };
const planAlias = (name: string, defaultAgent?: string) =>
  codexProAlias(name, planInput, { renames: { agent_name: "agent", task: "plan" }, ...(defaultAgent && { defaults: { agent: defaultAgent } }) });

export const writeHandoff = defineWorkspaceTool({
  name: "codex_write_handoff",
  title: "Write handoff plan",
  description: `Write the plan for a local agent to ${AI_BRIDGE_DIR}/${PLAN_FILE} and record the current commit for codex_get_handoff_diff. The operator runs it with \`patchbay handoff execute\`.`,
  input: v.strictObject(planInput),
  output: v.object({ plan_file: v.string(), status_file: v.string(), base_head: v.nullable(v.string()), appended: v.boolean(), bytes: v.number() }),
  annotations: WRITES_BRIDGE,
  capability: "record",
  modes: ["standard", "full"],
  aliases: [planAlias("handoff_to_agent"), planAlias("handoff_to_codex", "codex")],
  labels: { invoking: "Writing the plan", invoked: "Plan written" },
  async handler(args, context, ws) {
    const result = await writePlan(ws, { ...args, by: context.session.clientRef }, redactorOf(context));
    const run = `patchbay handoff execute --root ${ws.root} --agent ${args.agent ?? "NAME"} --command-template "…{{plan_file}}…"`;
    return {
      text: `${result.appended ? "Appended to" : "Wrote"} ${result.plan_file} (base commit ${result.base_head ?? "none"}). The operator runs it with: ${run}`,
      structured: result,
    };
  },
});

const runSchema = v.object({
  agent: v.string(),
  command: v.array(v.string()),
  started_at: v.string(),
  finished_at: v.optional(v.string()),
  exit_code: v.optional(v.nullable(v.number())),
  signal: v.optional(v.nullable(v.string())),
  diff_file: v.optional(v.string()),
  changed_files: v.optional(v.number()),
});
const statusSchema = v.object({
  plan_file: v.string(),
  title: v.optional(v.string()),
  agent: v.optional(v.string()),
  model: v.optional(v.string()),
  written_at: v.optional(v.string()),
  written_by: v.optional(v.string()),
  base_head: v.optional(v.string()),
  run: v.optional(runSchema),
});

export const getHandoffStatus = defineWorkspaceTool({
  name: "codex_get_handoff_status",
  title: "Handoff status",
  description: `The handoff state: the current plan, who wrote it and when, its base commit, the last local agent run, and the files in ${AI_BRIDGE_DIR}/.`,
  input: v.strictObject(statusInput),
  output: v.object({
    has_plan: v.boolean(),
    created: v.boolean(),
    plan: v.nullable(v.string()),
    plan_truncated: v.boolean(),
    status: v.nullable(statusSchema),
    files: v.array(v.object({ name: v.string(), bytes: v.number(), modified: v.string() })),
  }),
  // A read in the original's descriptor and in effect: create_if_missing only lays out the empty folder.
  annotations: READ_ONLY,
  capability: "record",
  modes: ["standard", "full"],
  aliases: [codexProAlias("read_handoff", statusInput)],
  labels: { invoking: "Reading the handoff", invoked: "Handoff read" },
  async handler(args, context, ws) {
    let status = await readHandoffStatus(ws);
    const created = !status && args.create_if_missing === true;
    if (created) {
      status = { plan_file: `${AI_BRIDGE_DIR}/${PLAN_FILE}` };
      await writeHandoffStatus(ws, status, redactorOf(context));
    }
    const plan = await readBridgeFile(ws, PLAN_FILE, LIMITS.readBytes);
    const files = (await aiBridgeState(ws)).entries.filter((entry) => entry.kind === "file").map(({ name, bytes, modified }) => ({ name, bytes, modified }));
    const run = status?.run;
    const runText = run ? ` Last run: ${run.agent}, ${run.finished_at ? `exit ${run.exit_code ?? run.signal}` : "still running"}.` : "";
    const text = plan
      ? `Plan ${status?.title ? `"${status.title}" ` : ""}written ${status?.written_at ?? "(time unknown)"}.${runText}\n\n${plan.text}`
      : `No plan in ${AI_BRIDGE_DIR}/${PLAN_FILE}; write one with codex_write_handoff.`;
    return {
      text,
      structured: { has_plan: plan !== undefined, created, plan: plan?.text ?? null, plan_truncated: plan?.truncated ?? false, status: status ?? null, files },
    };
  },
});

export const getHandoffDiff = defineWorkspaceTool({
  name: "codex_get_handoff_diff",
  title: "Handoff diff",
  description: "What changed in the working tree since the plan was written (against HEAD without a plan); bounded.",
  input: v.strictObject({
    repo_path: repoPathArg,
    max_bytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.description(`At most ${LIMITS.diffBytes}.`))),
  }),
  output: v.object({
    base_head: v.nullable(v.string()),
    head: v.nullable(v.string()),
    files: v.array(v.object({ path: v.string(), status: v.string() })),
    diff: v.string(),
    truncated: v.boolean(),
  }),
  annotations: READ_ONLY,
  capability: "read",
  modes: ["standard", "full"],
  labels: { invoking: "Reading the handoff diff", invoked: "Handoff diff read" },
  textCarriesAll: true,
  async handler(args, _context, ws) {
    const result = await handoffDiff(ws, Math.min(args.max_bytes ?? LIMITS.diffBytes, LIMITS.diffBytes));
    const now = result.head ? `; HEAD is ${result.head.slice(0, 12)}` : "";
    const summary = `${result.files.length} file(s) changed since ${result.base_head?.slice(0, 12) ?? "the start"}${now}${result.truncated ? " (diff truncated)" : ""}.`;
    return { text: `${summary}\n${result.files.map((file) => `${file.status} ${file.path}`).join("\n")}\n\n${result.diff}`, structured: result };
  },
});

/** The handoff tools, for the catalog. */
export const HANDOFF_TOOLS: readonly ToolDeclaration[] = [exportContextTool, writeHandoff, getHandoffStatus, getHandoffDiff];
