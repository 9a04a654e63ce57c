/**
 * The permission policy of an ACP writer: what patchbay answers to `session/request_permission`.
 * Commands are never allowed; edits only when every path the tool names is a safe path inside the
 * worktree; reads (and searches) only on safe paths; every other kind is rejected. Each answer is
 * recorded with its reason.
 */
import { isAbsolute, relative, sep } from "node:path";
import { isPatchbayError } from "../../errors/index.ts";
import { SECRET_PATH } from "../../redact/index.ts";
import { isInside } from "../../runtime/index.ts";

export type PermissionDecision = "allow" | "reject" | "cancel";

/**
 * Resolves `path` (relative to `worktree`, a real path) to its repository-relative form, or throws
 * (a PatchbayError says why) when it escapes, has an odd shape or is blocked: the workspace's path
 * guard with the operator's blocked globs, passed in so agents/ does not depend on workspace/.
 */
export type PathCheck = (worktree: string, path: string) => Promise<string>;

export interface PermissionRecord {
  /** The tool call's title (or id) as the agent named it. */
  tool: string;
  /** The ACP tool kind (edit, read, execute, ...), "unknown" when absent. */
  kind: string;
  decision: PermissionDecision;
  reason: string;
  /** The repository-relative paths that were checked. */
  paths?: string[];
  /** The option patchbay selected, when it selected one. */
  optionId?: string;
}

export interface PermissionOption {
  optionId: string;
  name?: string;
  kind?: string;
}

/** The JSON-RPC result for `session/request_permission`. */
export type PermissionOutcome = { outcome: { outcome: "selected"; optionId: string } } | { outcome: { outcome: "cancelled" } };

/** Keys of `rawInput` (at any depth) whose string values, or arrays of strings, are paths. */
const PATH_KEYS = new Set([
  "path",
  "paths",
  "filepath",
  "file_path",
  "filepaths",
  "file_paths",
  "file",
  "files",
  "filename",
  "target",
  "target_file",
  "targetfile",
  "target_path",
  "targetpath",
  "source",
  "source_path",
  "sourcepath",
  "destination",
  "dest",
  "old_path",
  "oldpath",
  "new_path",
  "newpath",
  "from",
  "to",
  "dir",
  "directory",
  "cwd",
  "notebook_path",
]);

const EDIT_KINDS = new Set(["edit", "delete", "move"]);
const READ_KINDS = new Set(["read", "search"]);
const MAX_DEPTH = 6;

/** Every path named in a tool call: path-like keys of rawInput, and `locations[].path`. */
export function pathsOf(toolCall: Record<string, unknown>): string[] {
  const found: string[] = [];
  const visit = (value: unknown, depth: number) => {
    if (depth > MAX_DEPTH || value === null || typeof value !== "object") return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
      return;
    }
    for (const [key, inner] of Object.entries(value)) {
      if (PATH_KEYS.has(key.toLowerCase())) {
        if (typeof inner === "string") found.push(inner);
        else if (Array.isArray(inner)) for (const item of inner) if (typeof item === "string") found.push(item);
      }
      if (typeof inner === "object") visit(inner, depth + 1);
    }
  };
  visit(toolCall.rawInput, 0);
  if (Array.isArray(toolCall.locations)) {
    for (const location of toolCall.locations) {
      const path = (location as { path?: unknown } | null)?.path;
      if (typeof path === "string") found.push(path);
    }
  }
  return [...new Set(found)];
}

/**
 * Why `path` is not a safe repository path of `worktree` (a real path), or undefined when it is.
 * Absolute paths are accepted only when they lie inside the worktree (ACP agents send absolute
 * paths); they are then checked as the relative path they name.
 */
export async function unsafePath(worktree: string, path: string, checkPath: PathCheck): Promise<string | undefined> {
  let candidate = path;
  if (isAbsolute(candidate)) {
    if (!isInside(worktree, candidate)) return `${path} is outside the worktree`;
    candidate = relative(worktree, candidate).split(sep).join("/");
    if (candidate === "") return `${path} is the worktree itself`;
  }
  if (candidate.split(/[\\/]/).includes("..")) return `${path} contains ..`;
  let rel: string;
  try {
    rel = await checkPath(worktree, candidate);
  } catch (error) {
    return isPatchbayError(error) ? error.message : `${path}: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (rel === "") return `${path} is the worktree itself`;
  const base = rel.split("/").pop() ?? rel;
  if (base === ".env" || base.startsWith(".env.")) return `${rel}: .env files hold secrets`;
  if (SECRET_PATH.test(rel)) return `${rel}: looks like a key, certificate, credential or secret`;
  return undefined;
}

function pick(options: PermissionOption[], kinds: string[]): PermissionOption | undefined {
  for (const kind of kinds) {
    const option = options.find((candidate) => candidate.kind === kind);
    if (option) return option;
  }
  return undefined;
}

/** The answer for a refusal: a reject option when the agent offered one, else "cancelled". */
function refuse(record: Omit<PermissionRecord, "decision">, options: PermissionOption[]): { outcome: PermissionOutcome; record: PermissionRecord } {
  const option = pick(options, ["reject_once", "reject_always"]);
  if (option)
    return { outcome: { outcome: { outcome: "selected", optionId: option.optionId } }, record: { ...record, decision: "reject", optionId: option.optionId } };
  return {
    outcome: { outcome: { outcome: "cancelled" } },
    record: { ...record, decision: "cancel", reason: `${record.reason}; no reject option was offered, so the request was cancelled` },
  };
}

/**
 * Decides one `session/request_permission` request. `worktree` must be a real path. Only an
 * `allow_once` option is ever selected: `allow_always` would let later calls skip this policy.
 */
export async function decidePermission(
  params: unknown,
  worktree: string,
  checkPath: PathCheck,
): Promise<{ outcome: PermissionOutcome; record: PermissionRecord }> {
  const body = (params && typeof params === "object" ? params : {}) as Record<string, unknown>;
  const toolCall = (body.toolCall && typeof body.toolCall === "object" ? body.toolCall : {}) as Record<string, unknown>;
  const options = (Array.isArray(body.options) ? body.options : []).filter(
    (option): option is PermissionOption => !!option && typeof option === "object" && typeof (option as PermissionOption).optionId === "string",
  );
  const tool =
    typeof toolCall.title === "string" && toolCall.title !== ""
      ? toolCall.title
      : typeof toolCall.toolCallId === "string"
        ? toolCall.toolCallId
        : "(unnamed tool)";
  const kind = typeof toolCall.kind === "string" ? toolCall.kind : "unknown";
  const base = { tool, kind };
  if (kind === "execute") return refuse({ ...base, reason: "commands (kind execute) are never allowed for a writer" }, options);
  if (!EDIT_KINDS.has(kind) && !READ_KINDS.has(kind))
    return refuse({ ...base, reason: `tool kind "${kind}" is not allowed (only edits and reads on safe paths are)` }, options);
  const paths = pathsOf(toolCall);
  if (paths.length === 0) return refuse({ ...base, reason: `a ${kind} that names no path cannot be checked` }, options);
  const problems: string[] = [];
  for (const path of paths) {
    const problem = await unsafePath(worktree, path, checkPath);
    if (problem) problems.push(problem);
  }
  const checked = { ...base, paths };
  if (problems.length > 0) return refuse({ ...checked, reason: problems.join("; ") }, options);
  const option = pick(options, ["allow_once"]);
  if (!option) return refuse({ ...checked, reason: "every path is safe, but the agent offered no allow_once option" }, options);
  return {
    outcome: { outcome: { outcome: "selected", optionId: option.optionId } },
    record: { ...checked, decision: "allow", optionId: option.optionId, reason: `${EDIT_KINDS.has(kind) ? "edit" : "read"} of safe paths inside the worktree` },
  };
}
