/**
 * Git tools: codex_git_status, codex_git_diff and codex_show_changes. Read-only; paths go through
 * the workspace guard and blocked paths never appear in a diff. Diff texts carry the diff itself,
 * since some hosts show the model only the text.
 */
import * as v from "valibot";
import type { ToolDeclaration } from "../../mcp/tool.ts";
import { gitDiff, gitDiffSchema, gitStatus, gitStatusSchema, type GitDiff, type GitStatus } from "../git-views.ts";
import { LIMITS } from "../limits.ts";
import { unknownPathRefusal } from "../near-files.ts";
import { codexProAlias, countArg, flagArg, onByDefault, READ_ONLY, repoPathArg } from "./args.ts";
import { defineWorkspaceTool } from "./workspace-tool.ts";

const filePathArg = v.optional(v.pipe(v.string(), v.description("Only this file or directory.")));

function statusLine(status: GitStatus): string {
  // The commit by its 12-character prefix, git's own long abbreviation: the text is all some hosts' models read.
  const branch = `${status.branch ?? "(detached HEAD)"}${status.head ? ` at ${status.head.slice(0, 12)}` : ""}`;
  const upstream = status.upstream ? ` tracking ${status.upstream} (ahead ${status.ahead}, behind ${status.behind})` : "";
  if (status.clean) return `On ${branch}${upstream}: clean.`;
  const { staged, unstaged, untracked, conflicted } = status.counts;
  return `On ${branch}${upstream}: ${staged} staged, ${unstaged} unstaged, ${untracked} untracked${conflicted ? `, ${conflicted} conflicted` : ""}${status.truncated ? " (lists truncated)" : ""}.`;
}

function diffLine(diff: GitDiff): string {
  const what = diff.ref ? `${diff.staged ? "Staged" : "Working tree"} diff against ${diff.ref}` : diff.staged ? "Staged diff" : "Unstaged diff";
  const blocked = diff.blocked.length ? ` ${diff.blocked.length} blocked file(s) left out.` : "";
  if (diff.files.length === 0) return `${what}: no changes${diff.file_path ? ` in ${diff.file_path}` : ""}.${blocked}`;
  return `${what}: ${diff.files.length} file(s), +${diff.additions} -${diff.deletions}${diff.truncated ? `, truncated at ${diff.bytes} bytes` : ""}.${blocked}`;
}

const statusInput = {
  repo_path: repoPathArg,
  porcelain: onByDefault("git status --short lines."),
};

export const gitStatusTool = defineWorkspaceTool({
  name: "codex_git_status",
  title: "Git status",
  description: "Branch, ahead/behind upstream, and staged, unstaged, untracked and conflicted files.",
  input: v.strictObject(statusInput),
  output: gitStatusSchema,
  annotations: READ_ONLY,
  capability: "read",
  textCarriesAll: true,
  modes: ["worker", "standard", "full"],
  aliases: [codexProAlias("git_status", statusInput)],
  labels: { invoking: "Reading git status", invoked: "Git status ready" },
  async handler(args, context, ws) {
    const status = await gitStatus(ws, { signal: context.signal });
    const short = args.porcelain === false ? [] : status.short;
    return { text: [statusLine(status), ...short].join("\n"), structured: { ...status, short } };
  },
});

const diffInput = {
  repo_path: repoPathArg,
  file_path: filePathArg,
  staged: flagArg("Staged instead of unstaged changes."),
  ref: v.optional(v.pipe(v.string(), v.description("Compare with this ref, e.g. HEAD~1."))),
  max_bytes: countArg(`At most ${LIMITS.diffBytes}.`),
};

export const gitDiffTool = defineWorkspaceTool({
  name: "codex_git_diff",
  title: "Git diff",
  description: "The repository's diff: unstaged, staged, or against a ref; bounded, without blocked paths.",
  input: v.strictObject(diffInput),
  output: gitDiffSchema,
  annotations: READ_ONLY,
  capability: "read",
  textCarriesAll: true,
  modes: ["worker", "standard", "full"],
  aliases: [codexProAlias("git_diff", diffInput, { renames: { path: "file_path" } })],
  labels: { invoking: "Reading git diff", invoked: "Git diff ready" },
  async handler(args, context, ws) {
    const diff = await gitDiff(ws, { filePath: args.file_path, staged: args.staged, ref: args.ref, maxBytes: args.max_bytes, signal: context.signal });
    return { text: diff.diff ? `${diffLine(diff)}\n${diff.diff}` : diffLine(diff), structured: diff };
  },
});

const changesInput = {
  repo_path: repoPathArg,
  file_path: filePathArg,
  include_diff: onByDefault(),
  staged: flagArg("Staged instead of unstaged changes."),
  max_diff_bytes: countArg(`At most ${LIMITS.diffBytes}.`),
};

export const showChangesTool = defineWorkspaceTool({
  name: "codex_show_changes",
  title: "Show changes",
  description: "Git status and the bounded diff, to review work before committing or integrating.",
  input: v.strictObject(changesInput),
  output: v.object({ file_path: v.nullable(v.string()), status: gitStatusSchema, diff: v.nullable(gitDiffSchema) }),
  annotations: READ_ONLY,
  capability: "read",
  textCarriesAll: true,
  modes: ["minimal", "worker", "standard", "full"],
  aliases: [codexProAlias("show_changes", changesInput, { renames: { path: "file_path" } })],
  labels: { invoking: "Reviewing changes", invoked: "Changes ready" },
  async handler(args, context, ws) {
    const target = args.file_path === undefined ? undefined : await ws.guard(args.file_path);
    const filePath = target?.relative;
    const status = await gitStatus(ws, { path: filePath, signal: context.signal });
    // "Clean" for a path that is not there reads as "unchanged" (a deleted file is in the status).
    if (target && !target.exists && status.short.length === 0) {
      const refused = await unknownPathRefusal(ws, target.relative, "show the changes of the path meant, or leave file_path out");
      if (refused) throw refused;
    }
    const diff =
      args.include_diff === false ? null : await gitDiff(ws, { filePath, staged: args.staged, maxBytes: args.max_diff_bytes, signal: context.signal });
    const lines = [statusLine(status), ...status.short, ...(diff ? [diffLine(diff), diff.diff] : [])].filter(Boolean);
    return { text: lines.join("\n"), structured: { file_path: filePath ?? null, status, diff } };
  },
});

export const GIT_TOOLS: readonly ToolDeclaration[] = [gitStatusTool, gitDiffTool, showChangesTool];
