/**
 * What stays behind the local boundary. A remote caller (any HTTP session: a web host, a tunnel
 * client) gets results without this machine's absolute paths, patchbay's private branch names,
 * the local user's CLI owner ref or raw agent session ids; the CLI and local stdio get them as
 * they are. The registry applies this to every result of a remote session, so no tool has to.
 *
 * Paths inside the session's repositories become relative to its default root (what `repo_path`
 * resolves against, so they can be passed back), and `$PATCHBAY_HOME` stands for patchbay's home
 * (worktrees, logs, artifacts). Only these exact folders are rewritten, never a path-like text in
 * general: a file read remotely must come back as it is (`#!/usr/bin/env`, a test's "/tmp/x").
 * An agent session id becomes an opaque handle (`ses_…`) that `resolveSessionHandles` turns back
 * into the id when a remote caller passes it to a tool.
 */
import { createHash } from "node:crypto";
import { isAbsolute, relative } from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/server";
import { PatchbayError } from "../errors/index.ts";
import { isInside, keptRealpath } from "../runtime/index.ts";
import type { RecordStore } from "../state/index.ts";
import type { SessionState } from "./session.ts";

type Json = unknown;

const HANDLE = /^ses_[0-9a-f]{24}$/;
/** A path's end: what may follow a folder name without making it a longer name, a sentence's full stop included. */
const PATH_END = `(?=$|[/\\s"'\`,;:)\\]}>|]|\\.(?:$|\\s))`;
/** The branches patchbay makes for jobs and workers (pipeline runs name theirs after the run). */
const PRIVATE_BRANCH = /(?<![\w/-])patchbay\/(?:job|worker)-[\w.-]+/g;
/**
 * A slash where a folder's rewrite could begin: every rewrite starts at its folder's leading "/"
 * and not after a word character, "." or "-" (compile below). A text without one (relative paths,
 * "a/b" in prose, "../x") needs no rewrite, so the session's folders are not resolved for it.
 */
const FOLDER_START = /(?<![\w.-])\//;
const CLI_OWNER = /\bcli_[a-z0-9_-]+/g;

/** A remote caller (any HTTP session) sees no local details; the CLI and local stdio see them all. */
export function isRemote(session: Pick<SessionState, "transport">): boolean {
  return session.transport === "http";
}

const HANDLE_RECORD = "session-handle.";
/** How often a handle handed out again is written again, so the sweep sees it as recent. */
const REFRESH_MS = 3_600_000;

/** Session handles this server handed to remote callers, kept in the store so they outlive a restart. */
export function createSessionHandleBook() {
  const known = new Map<string, { raw: string; at: number }>();
  return {
    async remember(handles: ReadonlyMap<string, string>, store: RecordStore): Promise<void> {
      for (const [handle, raw] of handles) {
        const seen = known.get(handle);
        if (seen?.raw === raw && Date.now() - seen.at < REFRESH_MS) continue;
        known.set(handle, { raw, at: Date.now() });
        await store.put("meta", `${HANDLE_RECORD}${handle}`, { session_id: raw });
      }
    },
    async lookup(handle: string, store: RecordStore): Promise<string | undefined> {
      // The store answers first: a handle the retention sweep removed is gone here too.
      return (await store.get<{ session_id: string }>("meta", `${HANDLE_RECORD}${handle}`))?.data.session_id;
    },
  };
}

/**
 * The retention of session handles, run by the job runtime's sweep: a handle last handed out
 * before `cutoff` (ms) is removed unless its agent session belongs to a job kept longer (`kept`:
 * the session ids of jobs still running or ended after the cutoff). A handle handed out within
 * the last hour always stays: the book does not write it again sooner. Returns how many went.
 */
export async function sweepSessionHandles(store: RecordStore, cutoff: number, kept: ReadonlySet<string>): Promise<number> {
  const before = Math.min(cutoff, Date.now() - REFRESH_MS);
  let removed = 0;
  for (const record of await store.list<{ session_id?: string }>("meta")) {
    if (!record.id.startsWith(HANDLE_RECORD) || Date.parse(record.updatedAt) > before) continue;
    if (record.data.session_id && kept.has(record.data.session_id)) continue;
    if (await store.remove("meta", record.id)) removed++;
  }
  return removed;
}
export type SessionHandleBook = ReturnType<typeof createSessionHandleBook>;

/** A session id's handle: stable (the same id always gets the same one), and not reversible. */
export function sessionHandle(sessionId: string): string {
  return `ses_${createHash("sha256").update(`patchbay-session:${sessionId}`).digest("hex").slice(0, 24)}`;
}

/**
 * Folder → what a remote caller sees instead, longest first so the innermost folder wins. `from`
 * is the folder itself: a string that does not hold it needs no pattern run over it.
 */
export type Rewrites = ReadonlyArray<{ from: string; pattern: RegExp; to: string }>;

function withRealPath(path: string): string[] {
  try {
    // Kept between calls (every HTTP result resolves the session's roots and home again), re-checked by inode.
    const real = keptRealpath(path);
    return real === path ? [path] : [path, real];
  } catch {
    return [path];
  }
}

/** Keys whose value names the repository (or folder) a result is about. */
const REPOSITORY_KEYS = new Set(["repo", "repo_path", "root", "cwd"]);

/** The absolute folders a result names under REPOSITORY_KEYS. */
function repositoriesNamed(value: Json, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) repositoriesNamed(item, found);
  else if (value && typeof value === "object")
    for (const [key, inner] of Object.entries(value)) {
      if (REPOSITORY_KEYS.has(key) && typeof inner === "string" && isAbsolute(inner)) found.add(inner);
      else repositoriesNamed(inner, found);
    }
  return found;
}

/** Compiled rewrites by the folders they rewrite: a session's roots and home are the same call after call. */
const compiled = new Map<string, Rewrites>();
/** Sessions name a few roots each; the bound only stops growth (results name repositories too). */
const MAX_COMPILED = 64;

function compile(rewrites: ReadonlyMap<string, string>): Rewrites {
  const sorted = [...rewrites].sort(([a], [b]) => b.length - a.length);
  const key = sorted.map(([from, to]) => `${from}\0${to}`).join("\n");
  let found = compiled.get(key);
  if (found) return found;
  found = sorted.flatMap(([from, to]) => [
    // "/repo/src/a.ts" reads "src/a.ts" when the repository is ".", not "./src/a.ts"; "in /repo." reads "in the repository.", not "in ..".
    ...(to === "."
      ? [
          { from, pattern: new RegExp(`(?<![\\w.-])${literal(from)}/`, "g"), to: "" },
          { from, pattern: new RegExp(`(?<![\\w.-])${literal(from)}(?=\\.(?:$|\\s))`, "g"), to: "the repository" },
        ]
      : []),
    { from, pattern: new RegExp(`(?<![\\w.-])${literal(from)}${PATH_END}`, "g"), to },
  ]);
  if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value as string);
  compiled.set(key, found);
  return found;
}

/**
 * The folders this session's results may name, and their public spelling: its roots, and the
 * repositories `result` names (a job's `repo`, a session's `cwd`). A root of `/` (the original
 * PatchBay's stock setting) is never rewritten itself, so each repository under it gets its own.
 */
export function localRewrites(session: Pick<SessionState, "scope">, home: string, result?: CallToolResult): Rewrites {
  const { allowedRoots } = session.scope;
  const base = session.scope.defaultRoot ?? allowedRoots[0];
  // Each folder is resolved once per call: the default root is usually an allowed root and the repository a result names.
  const resolved = new Map<string, string[]>();
  const realPaths = (path: string) => {
    let paths = resolved.get(path);
    if (!paths) resolved.set(path, (paths = withRealPath(path)));
    return paths;
  };
  const realOf = (path: string) => realPaths(path).at(-1)!;
  // Folder → its public spelling; a folder named twice keeps its first spelling.
  const rewrites = new Map<string, string>();
  const add = (path: string, to: string) => {
    for (const from of realPaths(path)) {
      const folder = from.replace(/\/+$/, "");
      if (from.length > 1 && !rewrites.has(folder)) rewrites.set(folder, to);
    }
  };
  // A folder in patchbay's home (a job's worktree) reads as $PATCHBAY_HOME/…, not as a climb out of the repository.
  const named = [...repositoriesNamed(result?.structuredContent ?? null)].filter((folder) => !isInside(realOf(home), realOf(folder)));
  for (const root of [...allowedRoots, ...(base ? [base] : []), ...named]) add(root, base ? relative(realOf(base), realOf(root)) || "." : ".");
  add(home, "$PATCHBAY_HOME");
  return compile(rewrites);
}

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Rewrites, or how to make them: resolving the folders costs syscalls, and a result without a path needs none. */
type RewritesSource = Rewrites | (() => Rewrites);

/** The rewrites of `source`, made at most once, when a string first needs them. */
function onFirstUse(source: RewritesSource): () => Rewrites {
  if (typeof source !== "function") return () => source;
  let made: Rewrites | undefined;
  return () => (made ??= source());
}

/** One string as a remote caller sees it. */
function hideInString(text: string, rewrites: () => Rewrites, sessionIds: ReadonlyMap<string, string>): string {
  let out = text;
  // In free text only ids long enough not to be an ordinary word (UUIDs, thread ids) are replaced.
  for (const [raw, handle] of sessionIds) if (raw.length >= 8) out = out.replaceAll(raw, handle);
  // Every rule below needs a slash or "cli_": most strings (ids, states, times) have neither.
  if (!out.includes("/") && !out.includes("cli_")) return out;
  if (FOLDER_START.test(out)) for (const { from, pattern, to } of rewrites()) if (out.includes(from)) out = out.replace(pattern, to);
  return out.replace(PRIVATE_BRANCH, "[private branch]").replace(CLI_OWNER, "cli_user");
}

/** Every agent session id a result carries under a `session_id` key, with its handle. */
function collectSessionIds(value: Json, found: Map<string, string>): void {
  if (Array.isArray(value)) for (const item of value) collectSessionIds(item, found);
  else if (value && typeof value === "object") {
    for (const [key, inner] of Object.entries(value)) {
      if (key === "session_id" && typeof inner === "string" && !HANDLE.test(inner)) found.set(inner, sessionHandle(inner));
      else collectSessionIds(inner, found);
    }
  }
}

/** `value` as a remote caller sees it: copied only where something in it changes (most of a result does not). */
function hideIn(value: Json, rewrites: () => Rewrites, sessionIds: ReadonlyMap<string, string>, key?: string): Json {
  if (typeof value === "string") return key === "session_id" ? (sessionIds.get(value) ?? value) : hideInString(value, rewrites, sessionIds);
  if (Array.isArray(value)) {
    let changed: Json[] | undefined;
    value.forEach((item, at) => {
      const hidden = hideIn(item, rewrites, sessionIds);
      if (hidden !== item) (changed ??= [...value])[at] = hidden;
    });
    return changed ?? value;
  }
  if (value && typeof value === "object") {
    let changed: Record<string, Json> | undefined;
    for (const [name, inner] of Object.entries(value)) {
      const hidden = hideIn(inner, rewrites, sessionIds, name);
      if (hidden !== inner) (changed ??= { ...value })[name] = hidden;
    }
    return changed ?? value;
  }
  return value;
}

/**
 * Any other answer a remote caller gets (`/status`), with the same folders rewritten.
 *
 * @example
 * const shown = hideLocalPaths(report, localRewrites({ scope }, home));
 */
export function hideLocalPaths(value: Json, rewrites: Rewrites): Json {
  return hideIn(value, onFirstUse(rewrites), new Map());
}

/**
 * The result a remote caller gets, and the session ids it now knows by handle (for
 * `resolveSessionHandles` to find later).
 *
 * @example
 * const { result, handles } = hideLocalDetails(raw, () => localRewrites(session, app.home, raw));
 */
export function hideLocalDetails(result: CallToolResult, rewrites: RewritesSource): { result: CallToolResult; handles: Map<string, string> } {
  const sessionIds = new Map<string, string>();
  collectSessionIds(result.structuredContent, sessionIds);
  collectSessionIds(result._meta, sessionIds);
  const hidden = hideIn(result, onFirstUse(rewrites), sessionIds) as CallToolResult;
  return { result: hidden, handles: new Map([...sessionIds].map(([raw, handle]) => [handle, raw])) };
}

/**
 * A remote caller's arguments with each session handle (`session_id: "ses_…"`) replaced by the
 * agent session id it stands for. `lookup` finds a handle this server has not handed out itself
 * since it started (a restart, another server on the same store).
 */
export async function resolveSessionHandles(args: unknown, lookup: (handle: string) => Promise<string | undefined>): Promise<unknown> {
  if (!args || typeof args !== "object" || Array.isArray(args)) return args;
  const value = (args as Record<string, unknown>).session_id;
  if (typeof value !== "string" || !HANDLE.test(value)) return args;
  const raw = await lookup(value);
  if (!raw)
    throw new PatchbayError("session_not_found", `no agent session known by ${value}`, {
      next: "list the sessions again (codex_list_sessions) and pass the session_id it shows",
    });
  return { ...args, session_id: raw };
}
