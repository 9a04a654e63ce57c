/**
 * Orientation tools: codex_open_workspace, codex_list_workspaces, codex_workspace_snapshot,
 * codex_inventory and codex_load_context. Read-only; every path goes through the workspace guard.
 * Also the argument helpers the git and skill tools share.
 */
import { basename } from "node:path";
import * as v from "valibot";
import { defineTool, TOOL_MODES, type ToolContext, type ToolDeclaration } from "../../mcp/tool.ts";
import { codexProAlias, countArg, flagArg, onByDefault, READ_ONLY, repoPathArg } from "./args.ts";
import type { SessionScope } from "../../mcp/index.ts";
import { agentsSummarySchema, summarizeAgents } from "../agents-md.ts";
import { buildContextPack, contextPackSchema, renderContextPack } from "../context-pack.ts";
import { commitSchema, findGitRepo, gitStatus, gitStatusSchema, gitSummary, gitSummarySchema, recentCommits } from "../git-views.ts";
import { LIMITS } from "../limits.ts";
import { aiBridgeSchema, aiBridgeState, listWorkspaces, workspaceEntrySchema } from "../orientation.ts";
import { listSkills, skillListSchema } from "../skills.ts";
import { listTree, type TreeListing } from "../tree.ts";
import type { Workspace } from "../workspace.ts";
import { defineWorkspaceTool } from "./workspace-tool.ts";

/** Tools worth calling next, limited to those this session's mode offers. */
function nextTools(context: ToolContext, candidates: Array<[tool: string, why: string, relevant: boolean]>): Array<{ tool: string; why: string }> {
  const offered = new Set(context.catalog.namesFor(context.session));
  return candidates.filter(([tool, , relevant]) => relevant && offered.has(tool)).map(([tool, why]) => ({ tool, why }));
}

const treeSchema = v.object({ path: v.string(), lines: v.array(v.string()), truncated: v.boolean() });

/** A compact tree: one line per entry, directories ending in `/`. */
function compactTree(listing: TreeListing): v.InferOutput<typeof treeSchema> {
  return { path: listing.path, lines: listing.entries.map((entry) => (entry.type === "dir" ? `${entry.path}/` : entry.path)), truncated: listing.truncated };
}

function treeText(tree: v.InferOutput<typeof treeSchema> | null): string {
  if (!tree) return "";
  return `\nTree:\n${tree.lines.join("\n")}${tree.truncated ? "\n… (truncated)" : ""}`;
}

function gitLine(git: v.InferOutput<typeof gitSummarySchema>): string {
  if (!git.is_git_repo) return "not a git repository";
  const head = git.head ? `${git.head.sha} "${git.head.subject}"` : "no commits yet";
  return `branch ${git.branch ?? "(detached)"} at ${head}, ${git.dirty ? "uncommitted changes" : "clean"}`;
}

const openInput = {
  repo_path: repoPathArg,
  include_tree: onByDefault(),
  max_depth: countArg("Tree depth (default 2)."),
  max_entries: countArg("Tree entries (default 200)."),
  include_hidden: flagArg("Dot entries in the tree."),
  include_skills: onByDefault(),
  include_global_skills: onByDefault("Also the user's skills."),
  max_skills: countArg(`At most ${LIMITS.skillCount}.`),
};

async function optionalTree(ws: Workspace, wanted: boolean, options: Parameters<typeof listTree>[1]) {
  return wanted ? compactTree(await listTree(ws, options)) : null;
}

export const openWorkspaceTool = defineWorkspaceTool({
  name: "codex_open_workspace",
  title: "Open workspace",
  description: "Orientation for a repository: git state, AGENTS.md summary, skills, a compact tree and what to call next. Call it first.",
  input: v.strictObject(openInput),
  output: v.object({
    name: v.string(),
    root: v.string(),
    git: gitSummarySchema,
    agents: agentsSummarySchema,
    skills: v.nullable(skillListSchema),
    tree: v.nullable(treeSchema),
    blocked_globs: v.array(v.string()),
    next_tools: v.array(v.object({ tool: v.string(), why: v.string() })),
  }),
  annotations: READ_ONLY,
  capability: "read",
  modes: ["minimal", "worker", "standard", "full"],
  aliases: [
    codexProAlias("open_workspace", openInput, { renames: { path: "repo_path", max_files: "max_entries" }, ignored: ["bootstrap_context"] }),
    codexProAlias("open_current_workspace", openInput, { renames: { max_files: "max_entries" }, ignored: ["bootstrap_context"] }),
  ],
  labels: { invoking: "Opening workspace", invoked: "Workspace opened" },
  async handler(args, context, ws) {
    const [git, agents, skills, tree] = await Promise.all([
      gitSummary(ws, context.signal),
      summarizeAgents(ws, context.signal),
      args.include_skills === false ? null : listSkills(ws, { includeUser: args.include_global_skills, maxSkills: args.max_skills }),
      optionalTree(ws, args.include_tree !== false, {
        maxDepth: args.max_depth ?? 2,
        maxEntries: args.max_entries ?? 200,
        includeHidden: args.include_hidden,
        signal: context.signal,
      }),
    ]);
    const next = nextTools(context, [
      ["codex_show_changes", "review the uncommitted changes", git.dirty],
      ["codex_load_context", "load the AGENTS.md instructions and chosen files in one bundle", agents.path !== null],
      ["codex_load_skill", "read a listed skill's SKILL.md by name", (skills?.counts.total ?? 0) > 0],
      ["codex_repo_tree", "list more of the tree", true],
      ["codex_search_repo", "find code by text or regex", true],
      ["codex_read_file", "read a file, by line range", true],
      ["codex_workspace_snapshot", "recent commits and .ai-bridge handoff state", true],
      ["codex_worker_start", "hand a task to a named worker", true],
    ]);
    const name = basename(ws.root);
    const agentsLine = agents.path ? `${agents.path}: ${agents.headings.slice(0, 5).join(" · ") || agents.excerpt[0] || "(empty)"}` : "no AGENTS.md";
    const skillsLine = skills
      ? `${skills.counts.total} skill(s)${
          skills.skills.length
            ? `: ${skills.skills
                .slice(0, 10)
                .map((skill) => skill.name)
                .join(", ")}`
            : ""
        }`
      : "skills not listed";
    return {
      text: `${name} (${ws.root}): ${gitLine(git)}. ${agentsLine}. ${skillsLine}.${next.length ? ` Next: ${next.map((item) => item.tool).join(", ")}.` : ""}${treeText(tree)}`,
      structured: { name, root: ws.root, git, agents, skills, tree, blocked_globs: [...ws.blockedGlobs], next_tools: next },
    };
  },
});

export const listWorkspacesTool = defineTool({
  name: "codex_list_workspaces",
  title: "List workspaces",
  description: "The repositories this session may use, the default first, with their git branch.",
  input: v.strictObject({}),
  output: v.object({ default_root: v.nullable(v.string()), workspaces: v.array(workspaceEntrySchema) }),
  annotations: READ_ONLY,
  capability: "read",
  textCarriesAll: true,
  modes: ["worker", "standard", "full"],
  aliases: [{ name: "list_workspaces" }],
  labels: { invoking: "Listing workspaces", invoked: "Workspaces listed" },
  async handler(_args, { session, signal }) {
    const workspaces = await listWorkspaces(session.scope, signal);
    const lines = workspaces.map(
      (ws) =>
        `${ws.is_default ? "* " : "  "}${ws.name} (${ws.path})${ws.exists ? "" : " missing"}${ws.is_git_repo ? ` on ${ws.branch ?? "(detached)"}` : ws.exists ? ", not git" : ""}`,
    );
    return {
      text: workspaces.length
        ? `${workspaces.length} workspace(s):\n${lines.join("\n")}`
        : "This session has no allowed roots: start patchbay with --root DIR or --allow-root DIR.",
      structured: { default_root: session.scope.defaultRoot ?? null, workspaces },
    };
  },
});

const snapshotInput = {
  repo_path: repoPathArg,
  path: v.optional(v.pipe(v.string(), v.description("Tree directory (default: the root)."))),
  max_depth: countArg("Tree depth (default 3)."),
  max_entries: countArg("Tree entries (default 300)."),
  max_commits: countArg("Recent commits (default 8, at most 50)."),
  include_hidden: flagArg("Dot entries in the tree."),
};

export const workspaceSnapshotTool = defineWorkspaceTool({
  name: "codex_workspace_snapshot",
  title: "Workspace snapshot",
  description: "A repository's state: git status, recent commits, the .ai-bridge handoff files and a compact tree.",
  input: v.strictObject(snapshotInput),
  output: v.object({
    name: v.string(),
    root: v.string(),
    is_git_repo: v.boolean(),
    git: v.nullable(gitStatusSchema),
    commits: v.array(commitSchema),
    ai_bridge: aiBridgeSchema,
    tree: treeSchema,
  }),
  annotations: READ_ONLY,
  capability: "read",
  modes: ["standard", "full"],
  aliases: [codexProAlias("workspace_snapshot", snapshotInput, { renames: { max_files: "max_entries" } })],
  labels: { invoking: "Reading snapshot", invoked: "Snapshot ready" },
  async handler(args, context, ws) {
    const repo = await findGitRepo(ws.root, context.signal);
    const [git, commits, aiBridge, tree] = await Promise.all([
      repo ? gitStatus(ws, { signal: context.signal }) : null,
      repo ? recentCommits(repo, Math.min(args.max_commits ?? 8, 50), context.signal) : [],
      aiBridgeState(ws),
      listTree(ws, {
        path: args.path,
        maxDepth: args.max_depth ?? 3,
        maxEntries: args.max_entries ?? 300,
        includeHidden: args.include_hidden,
        signal: context.signal,
      }).then(compactTree),
    ]);
    const changes = git ? Object.values(git.counts).reduce((sum, count) => sum + count, 0) : 0;
    const gitText = git ? `${git.branch ?? "(detached)"}, ${git.clean ? "clean" : `${changes} change(s)`}` : "not a git repository";
    const commitText = commits.map((commit) => `${commit.sha} ${commit.subject}`).join("\n");
    const bridgeText = aiBridge.exists ? aiBridge.entries.map((entry) => `${entry.name} (${entry.bytes} B, ${entry.modified})`).join(", ") || "empty" : "none";
    return {
      text:
        `${basename(ws.root)}: ${gitText}. .ai-bridge: ${bridgeText}.${commitText ? `\nRecent commits:\n${commitText}` : ""}` +
        `${git?.short.length ? `\nChanges:\n${git.short.join("\n")}` : ""}${treeText(tree)}`,
      structured: { name: basename(ws.root), root: ws.root, is_git_repo: repo !== undefined, git, commits, ai_bridge: aiBridge, tree },
    };
  },
});

/** The power tools, the setting that enables each and the launch flag that sets it. */
const POWER_TOOLS = [
  {
    switch: "direct_write",
    tools: ["codex_write_file", "codex_edit_file"],
    setting: "power_tools.direct_write",
    flag: "--direct-write",
    value: (power: Power) => power.directWrite,
  },
  {
    switch: "bash_mode",
    tools: ["codex_run_command"],
    setting: "power_tools.bash_mode",
    flag: "--bash-mode safe|full",
    value: (power: Power) => power.bashMode,
  },
  {
    switch: "codex_session_read",
    tools: ["codex_read_session"],
    setting: "power_tools.codex_session_read",
    flag: "--codex-session-read",
    value: (power: Power) => power.codexSessionRead,
  },
] as const;
type Power = SessionScope["power"];

const inventoryInput = {
  repo_path: repoPathArg,
  include_global_skills: onByDefault("Also the user's skills."),
  max_skills: countArg(`At most ${LIMITS.skillCount}.`),
};

export const inventoryTool = defineWorkspaceTool({
  name: "codex_inventory",
  title: "Inventory",
  description: "What this session can use: tool modes, skills, git state, and which power tools are on (with the setting for each).",
  input: v.strictObject(inventoryInput),
  output: v.object({
    tool_mode: v.picklist(TOOL_MODES),
    modes: v.array(v.object({ mode: v.picklist(TOOL_MODES), tool_count: v.number() })),
    git: gitSummarySchema,
    skills: skillListSchema,
    power_tools: v.array(
      v.object({ switch: v.string(), tools: v.array(v.string()), enabled: v.boolean(), value: v.string(), setting: v.string(), flag: v.string() }),
    ),
    blocked_globs: v.array(v.string()),
  }),
  annotations: READ_ONLY,
  capability: "read",
  modes: ["standard", "full"],
  labels: { invoking: "Reading inventory", invoked: "Inventory ready" },
  async handler(args, context, ws) {
    const [git, skills] = await Promise.all([
      gitSummary(ws, context.signal),
      listSkills(ws, { includeUser: args.include_global_skills, maxSkills: args.max_skills }),
    ]);
    const { power } = context.session.scope;
    const powerTools = POWER_TOOLS.map((tool) => {
      const value = tool.value(power);
      return {
        switch: tool.switch,
        tools: [...tool.tools],
        enabled: value !== false && value !== "off",
        value: String(value),
        setting: tool.setting,
        flag: tool.flag,
      };
    });
    const modes = TOOL_MODES.map((mode) => ({ mode, tool_count: context.catalog.namesFor(context.session, mode).length }));
    const enabled = powerTools.filter((tool) => tool.enabled).map((tool) => `${tool.switch}=${tool.value}`);
    return {
      text:
        `Tool mode ${context.session.mode} (${modes.map((m) => `${m.mode} ${m.tool_count}`).join(", ")}). ${basename(ws.root)}: ${gitLine(git)}. ` +
        `${skills.counts.total} skill(s). Power tools: ${enabled.join(", ") || "none enabled"}.`,
      structured: { tool_mode: context.session.mode, modes, git, skills, power_tools: powerTools, blocked_globs: [...ws.blockedGlobs] },
    };
  },
});

const contextInput = {
  repo_path: repoPathArg,
  target_path: v.optional(v.pipe(v.string(), v.description("Load AGENTS.md files from the root down to this path."))),
  selected_paths: v.optional(v.pipe(v.array(v.string()), v.maxLength(100), v.description("Files to include."))),
  include_ai_bridge: onByDefault("Handoff files."),
  include_git: onByDefault(),
  include_diff: flagArg("Unstaged diff."),
  max_file_bytes: countArg(`At most ${LIMITS.readBytes}.`),
};

export const loadContextTool = defineWorkspaceTool({
  name: "codex_load_context",
  title: "Load context",
  description: "One bounded bundle for working on a path: its AGENTS.md chain, selected files, git status, optionally the diff, and the handoff files.",
  input: v.strictObject(contextInput),
  output: contextPackSchema,
  annotations: READ_ONLY,
  capability: "read",
  modes: ["worker", "standard", "full"],
  aliases: [codexProAlias("codex_context", contextInput)],
  labels: { invoking: "Loading context", invoked: "Context ready" },
  async handler(args, context, ws) {
    const pack = await buildContextPack(ws, {
      targetPath: args.target_path,
      selectedPaths: args.selected_paths,
      includeAiBridge: args.include_ai_bridge,
      includeGit: args.include_git,
      includeDiff: args.include_diff,
      maxFileBytes: args.max_file_bytes,
      signal: context.signal,
    });
    const summary =
      `${pack.agents_files.length} AGENTS file(s), ${pack.selected_files.length} file(s), ${pack.skipped.length} skipped; ` +
      `${pack.bytes} of ${pack.max_bytes} bytes${pack.truncated ? ", truncated" : ""}.`;
    return { text: `${summary}\n\n${renderContextPack(pack)}`, structured: pack };
  },
});

export const ORIENTATION_TOOLS: readonly ToolDeclaration[] = [openWorkspaceTool, listWorkspacesTool, workspaceSnapshotTool, inventoryTool, loadContextTool];
