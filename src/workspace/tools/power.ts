/**
 * Power tools, each needing a capability behind a power_tools setting (hidden from tools/list and
 * refused naming the setting when off): direct writes and exact-match edits, commands (an allowlist in safe mode, a
 * shell in full mode), and bounded reads of Codex session transcripts. Every base-checkout
 * mutation holds the repository lock, so a second one fails with repo_busy instead of waiting.
 */
import { stat } from "node:fs/promises";
import { posix } from "node:path";
import * as v from "valibot";
import { PatchbayError } from "../../errors/index.ts";
import { grantsOf, requireCapability } from "../../mcp/capability.ts";
import { defineTool, type ToolContext, type ToolDeclaration } from "../../mcp/tool.ts";
import { isAgentConfig } from "../agent-config.ts";
import { hooksFolderOf } from "../hooks-folder.ts";
import { codexProAlias, redactorOf, repoPathArg, unlisted } from "./args.ts";
import { clampTimeout, COMMAND_TIMEOUT, filteredEnv, runInGroup, type CommandResult } from "../commands.ts";
import { editRepoFile, MAX_EDIT_BYTES, writeRepoFile } from "../edit.ts";
import { LIMITS } from "../limits.ts";
import { withRepoLock } from "../repo-lock.ts";
import { prepareSafeCommand } from "../safe-commands.ts";
import { readCodexSession, SESSION_ID } from "../sessions.ts";
import { openWorkspace, type Workspace } from "../workspace.ts";
import { defineWorkspaceTool } from "./workspace-tool.ts";

const DESTRUCTIVE = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false } as const;

/**
 * Refuses a write to configuration that runs programs (agent-config.ts: an agent's, an MCP host's,
 * a git hook) unless the session holds `exec`: such a file makes the user's tools run what it
 * names. Both the path as asked and the file it resolves to are checked, so a symlink named
 * `.claude` counts as well as one into it. Called under the repository lock with the write it
 * allows: its git run (hooks-folder.ts) then never lets a concurrent write past the lock.
 */
async function assertMayWrite(context: ToolContext, ws: Workspace, filePath: string): Promise<void> {
  const target = await ws.guard(filePath);
  const hooks = await hooksFolderOf(ws.root);
  if (!isAgentConfig(posix.normalize(filePath), hooks) && !isAgentConfig(target.relative, hooks)) return;
  requireCapability(
    "exec",
    grantsOf(context.session, context),
    `writing ${target.relative} (configuration that makes agents, MCP hosts or git run programs)`,
    "write it by hand",
  );
}

/** Runs a mutation of `ws` under its repository lock, naming this session and tool to anyone refused. */
function mutating<T>(context: ToolContext, ws: Workspace, tool: string, fn: () => Promise<T>): Promise<T> {
  return withRepoLock(context.app.home, ws.root, { client_ref: context.session.clientRef, tool }, fn);
}

// Field schemas shared by the canonical inputs and their aliases, so an alias always maps onto valid arguments.
const filePath = v.pipe(v.string(), v.description("Relative to the repository root."));
const content = v.pipe(v.string(), v.maxLength(MAX_EDIT_BYTES), v.description("The whole new content."));
const oldText = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_EDIT_BYTES), v.description("Exactly as in the file, whitespace included."));
const newText = v.pipe(v.string(), v.maxLength(MAX_EDIT_BYTES));
const expectedReplacements = v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)));
const commandLine = v.pipe(v.string(), v.minLength(1), v.maxLength(10_000));

const writeInput = {
  repo_path: repoPathArg,
  file_path: filePath,
  content,
  create_dirs: v.optional(v.boolean()),
  overwrite: v.optional(v.boolean()),
};
const editInput = {
  repo_path: repoPathArg,
  file_path: filePath,
  old_text: oldText,
  new_text: newText,
  replace_all: v.optional(v.boolean()),
  expected_replacements: expectedReplacements,
};

const commandInput = {
  repo_path: repoPathArg,
  command: commandLine,
  cwd: v.optional(v.pipe(v.string(), v.description("Relative to the repository root."))),
  timeout_ms: v.optional(
    v.pipe(v.number(), v.description(`Default ${COMMAND_TIMEOUT.defaultMs}, clamped to ${COMMAND_TIMEOUT.minMs}–${COMMAND_TIMEOUT.maxMs}.`)),
  ),
  session_id: unlisted(
    v.pipe(v.string(), v.maxLength(200)),
    "The original PatchBay's command-session guard id, accepted so its prompts work; patchbay has no such guard (power_tools.bash_mode decides).",
  ),
};

const changeOutput = { path: v.string(), bytes: v.number(), diff: v.string(), diff_truncated: v.boolean() };

/** The diff after a write's first line, saying when it was cut: the text carries all the result holds (textCarriesAll). */
const diffText = (result: { diff: string; diff_truncated: boolean }) => `${result.diff_truncated ? " The diff is truncated." : ""}\n${result.diff}`;

export const writeFileTool = defineWorkspaceTool({
  name: "codex_write_file",
  title: "Write file",
  description: "Create or replace a text file in the repository and return the diff; replacing needs overwrite, missing directories create_dirs.",
  input: v.strictObject(writeInput),
  output: v.object({ ...changeOutput, created: v.boolean() }),
  annotations: { ...DESTRUCTIVE, idempotentHint: true },
  capability: "write_base",
  modes: ["minimal", "standard", "full"],
  aliases: [codexProAlias("write", writeInput, { renames: { path: "file_path" } })],
  labels: { invoking: "Writing the file", invoked: "File written" },
  textCarriesAll: true,
  async handler(args, context, ws) {
    const result = await mutating(context, ws, "codex_write_file", async () => {
      await assertMayWrite(context, ws, args.file_path);
      return writeRepoFile(ws, args, redactorOf(context));
    });
    return { text: `${result.created ? "Created" : "Replaced"} ${result.path} (${result.bytes} bytes).${diffText(result)}`, structured: result };
  },
});

export const editFileTool = defineWorkspaceTool({
  name: "codex_edit_file",
  title: "Edit file",
  description:
    "Replace exact text in a file and return the diff. old_text must occur once, unless replace_all or expected_replacements (the exact count); otherwise nothing is written.",
  input: v.strictObject(editInput),
  output: v.object({ ...changeOutput, replacements: v.number() }),
  annotations: DESTRUCTIVE,
  capability: "write_base",
  modes: ["minimal", "standard", "full"],
  aliases: [codexProAlias("edit", editInput, { renames: { path: "file_path" } })],
  labels: { invoking: "Editing the file", invoked: "File edited" },
  textCarriesAll: true,
  async handler(args, context, ws) {
    const result = await mutating(context, ws, "codex_edit_file", async () => {
      await assertMayWrite(context, ws, args.file_path);
      return editRepoFile(ws, args, redactorOf(context));
    });
    return { text: `Replaced ${result.replacements} occurrence(s) in ${result.path} (now ${result.bytes} bytes).${diffText(result)}`, structured: result };
  },
});

/** The command's directory: inside the repository and a directory. */
async function commandCwd(ws: Workspace, cwd: string | undefined): Promise<{ absolute: string; relative: string }> {
  const guarded = await ws.guard(cwd ?? ".");
  if (!guarded.exists || !(await stat(guarded.absolute)).isDirectory()) {
    throw new PatchbayError("not_found", `cwd ${cwd ?? "."} is not a directory in the repository`, {
      next: "pass a directory relative to the repository root",
    });
  }
  return guarded;
}

/** The command, where and how it ran, its outcome and its output: all the result holds (textCarriesAll). */
function commandText(command: string, where: { mode: string; cwd: string }, result: CommandResult): string {
  const outcome = result.timed_out
    ? `timed out after ${result.duration_ms} ms`
    : `${result.exit_code === null ? `stopped by ${result.signal}` : `exit ${result.exit_code}`} after ${result.duration_ms} ms`;
  const streams = [result.stdout && `stdout:\n${result.stdout}`, result.stderr && `stderr:\n${result.stderr}`].filter(Boolean).join("\n");
  const ran = `${where.mode} mode, in ${where.cwd || "the repository root"}`;
  return `$ ${command}\n${outcome} (${ran})${result.truncated ? " (output truncated)" : ""}\n${streams}`;
}

export const runCommandTool = defineTool({
  name: "codex_run_command",
  title: "Run command",
  description:
    'Run a command in the repository; output capped. Safe mode (power_tools.bash_mode "safe"): no shell, ' +
    "only git status/diff/log/show/branch/rev-parse/ls-files, ls, pwd, rg, npm/pnpm/yarn test and run test|typecheck|lint|build|check, " +
    "bun test, bun run <those scripts>, pytest, go test/vet, cargo test/check/clippy, tsc, eslint, biome check, " +
    "each with allowlisted options (a refusal lists them); no npx. Full mode: bash, under the repository lock.",
  input: v.strictObject(commandInput),
  output: v.object({
    command: v.string(),
    mode: v.picklist(["safe", "full"]),
    cwd: v.string(),
    exit_code: v.nullable(v.number()),
    signal: v.nullable(v.string()),
    timed_out: v.boolean(),
    duration_ms: v.number(),
    stdout: v.string(),
    stderr: v.string(),
    truncated: v.boolean(),
  }),
  annotations: { ...DESTRUCTIVE, openWorldHint: true },
  capability: "exec_safe",
  modes: ["minimal", "standard", "full"],
  aliases: [codexProAlias("bash", commandInput, { renames: { cmd: "command" } })],
  labels: { invoking: "Running the command", invoked: "Command finished" },
  textCarriesAll: true,
  async handler(args, context) {
    const mode: "safe" | "full" = context.session.scope.power.bashMode === "full" ? "full" : "safe";
    const ws = await openWorkspace(context.session.scope, context.app, args.repo_path);
    const cwd = await commandCwd(ws, args.cwd);
    const options = { cwd: cwd.absolute, env: filteredEnv(context.app.config), timeoutMs: clampTimeout(args.timeout_ms), signal: context.signal };
    let result: CommandResult;
    if (mode === "full") {
      result = await mutating(context, ws, "codex_run_command", () => runInGroup(["bash", "-c", args.command], options));
    } else {
      result = await runInGroup(await prepareSafeCommand(ws, cwd, args.command), options);
    }
    return { text: commandText(args.command, { mode, cwd: cwd.relative }, result), structured: { command: args.command, mode, cwd: cwd.relative, ...result } };
  },
});

export const readSessionTool = defineTool({
  name: "codex_read_session",
  title: "Read Codex session",
  description: "The newest messages of a Codex session transcript ($CODEX_HOME/sessions), bounded.",
  input: v.strictObject({
    session_id: v.pipe(v.string(), v.regex(SESSION_ID, "expected a Codex session id (a UUID)"), v.description("A Codex session id (UUID).")),
    max_messages: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(500))),
    max_bytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(LIMITS.readBytes))),
  }),
  output: v.object({
    session_id: v.string(),
    file: v.string(),
    meta: v.object({ cwd: v.optional(v.string()), cli_version: v.optional(v.string()), model: v.optional(v.string()), started_at: v.optional(v.string()) }),
    messages: v.array(v.object({ role: v.string(), text: v.string(), timestamp: v.optional(v.string()) })),
    total_messages: v.number(),
    truncated: v.boolean(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  capability: "session_read",
  modes: ["standard", "full"],
  argumentAliases: { max_total_bytes: "max_bytes" },
  aliases: [{ name: "read_codex_session" }],
  labels: { invoking: "Reading the session", invoked: "Session read" },
  async handler(args, context) {
    const transcript = await readCodexSession(args.session_id, {
      maxMessages: args.max_messages ?? 50,
      maxBytes: args.max_bytes ?? 100_000,
      redact: redactorOf(context),
    });
    const lines = transcript.messages.map((message) => `[${message.role}] ${message.text}`);
    return {
      text: `${transcript.messages.length} of ${transcript.total_messages} message(s)${transcript.truncated ? " (truncated)" : ""}.\n\n${lines.join("\n\n")}`,
      structured: transcript,
    };
  },
});

/** The power tools, for the catalog. */
export const POWER_TOOLS: readonly ToolDeclaration[] = [writeFileTool, editFileTool, runCommandTool, readSessionTool];
