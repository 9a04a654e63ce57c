/**
 * `git status` output kept between calls (codex_git_status, the summary): a repository whose
 * tree is watched (`treeGeneration`, repo-watch.ts) answers from memory while its generation and
 * the files outside the tree that decide status are unchanged, without a git process.
 *
 * Outside the tree: the config files git read (their origins as `git config --show-origin`
 * names them, the global and system ones even while absent, and what `include.path` names), the
 * excludes and attributes files (core.excludesFile, core.attributesFile, the XDG defaults),
 * each compared by its `lstat` (inode, mtime, ctime, size). The stamp is taken before git runs
 * and again after; the output is kept only when both agree, so a change made while git ran is
 * never hidden. Not kept: a root below its repository's top (the tree outside it decides too), an
 * index with gitlinks (a submodule's status comes from its own tree) or one this code cannot read,
 * a reftable repository, truncated output.
 */
import { lstatSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { type GitResult, runGit } from "./git.ts";
import type { GitRepo } from "./git-repo.ts";
import { indexHasGitlinks } from "./index-entries.ts";
import { treeGeneration } from "./repo-watch.ts";

/** Outputs kept at most, and their bytes together: the least recently used go first. */
const MAX_KEPT = 64;
const MAX_KEPT_BYTES = 16 * 1024 * 1024;

interface ConfigFacts {
  /** The config files whose marks decided these facts. */
  configFiles: string[];
  configMarks: string;
  /** Files outside the tree whose change may change status. */
  outside: string[];
  keepable: boolean;
}

const factsOf = new Map<string, ConfigFacts>();
const kept = new Map<string, { stamp: string; stdout: string }>();
let keptBytes = 0;

function markOf(path: string): string {
  const info = lstatSync(path, { throwIfNoEntry: false });
  return info ? `${info.ino}:${info.mtimeMs}:${info.ctimeMs}:${info.size}` : "-";
}

const marksOf = (paths: readonly string[]) => paths.map(markOf).join("|");

const expandHome = (root: string, path: string) => (path.startsWith("~/") ? join(homedir(), path.slice(2)) : resolve(root, path));

/** Where git looks for the global and system config and the user's excludes and attributes, whether or not they exist. */
function defaultFiles(): string[] {
  const xdg = process.env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return [
    process.env.GIT_CONFIG_GLOBAL ?? join(homedir(), ".gitconfig"),
    join(xdg, "git", "config"),
    process.env.GIT_CONFIG_SYSTEM ?? "/etc/gitconfig",
    join(xdg, "git", "ignore"),
    join(xdg, "git", "attributes"),
  ];
}

/** Reads the configuration once per set of config files (one `git config` spawn, again only when one of them changed). */
async function configFacts(root: string, signal?: AbortSignal): Promise<ConfigFacts | undefined> {
  const known = factsOf.get(root);
  if (known && marksOf(known.configFiles) === known.configMarks) return known;
  const configFiles = [join(root, ".git", "config"), ...defaultFiles()];
  const configMarks = marksOf(configFiles);
  const listed = await runGit(root, ["config", "--list", "--show-origin", "-z"], { signal, maxBytes: 1024 * 1024 });
  if (listed.code !== 0 || listed.truncated) return undefined;
  const origins = new Set<string>();
  const outside = new Set(defaultFiles());
  let keepable = true;
  // -z: "file:<origin>\0<key>\n<value>\0" per entry.
  const fields = listed.stdout.split("\0");
  for (let at = 0; at + 1 < fields.length; at += 2) {
    const origin = fields[at] ?? "";
    const [key = "", ...rest] = (fields[at + 1] ?? "").split("\n");
    const value = rest.join("\n");
    if (origin.startsWith("file:")) origins.add(expandHome(root, origin.slice(5)));
    if (key === "extensions.refstorage" && value === "reftable") keepable = false;
    if (key === "core.excludesfile" || key === "core.attributesfile" || key === "include.path" || /^includeif\..*\.path$/.test(key)) {
      outside.add(expandHome(root, value));
    }
  }
  const facts = { configFiles: [...new Set([...configFiles, ...origins])], configMarks: "", outside: [...new Set([...outside, ...origins])], keepable };
  // Marked before git read them: a config changed while git ran makes the next call read it again.
  facts.configMarks = facts.configFiles.length === configFiles.length ? configMarks : marksOf(facts.configFiles);
  factsOf.set(root, facts);
  if (factsOf.size > MAX_KEPT) factsOf.delete(factsOf.keys().next().value as string);
  return facts;
}

/** What decides `root`'s status now, as one string; undefined when it cannot be told (then nothing is kept). */
async function stampOf(repo: GitRepo, signal?: AbortSignal): Promise<string | undefined> {
  if (repo.prefix !== "") return undefined;
  const generation = await treeGeneration(repo.root, signal);
  if (generation === undefined) return undefined;
  const facts = await configFacts(repo.root, signal);
  if (!facts?.keepable) return undefined;
  return `${generation}|${marksOf(facts.outside)}`;
}

function keep(key: string, stamp: string, stdout: string): void {
  const old = kept.get(key);
  if (old) keptBytes -= old.stdout.length;
  kept.delete(key);
  kept.set(key, { stamp, stdout });
  keptBytes += stdout.length;
  while (kept.size > MAX_KEPT || keptBytes > MAX_KEPT_BYTES) {
    const [oldest, entry] = kept.entries().next().value as [string, { stdout: string }];
    kept.delete(oldest);
    keptBytes -= entry.stdout.length;
  }
}

/**
 * `git <args>` (a `status`) in `repo.root`, from memory while nothing that decides it changed.
 *
 * @example
 * const result = await statusOutput(repo, ["status", "--porcelain=v2", "-z"], { maxBytes: 1 << 22 });
 */
export async function statusOutput(repo: GitRepo, args: string[], options: { maxBytes: number; signal?: AbortSignal }): Promise<GitResult> {
  const key = `${repo.root}\0${args.join("\0")}`;
  const before = await stampOf(repo, options.signal);
  const known = kept.get(key);
  if (before !== undefined && known?.stamp === before) {
    kept.delete(key);
    kept.set(key, known);
    return { code: 0, stdout: known.stdout, stderr: "", truncated: false };
  }
  const result = await runGit(repo.root, args, options);
  if (before === undefined || result.code !== 0 || result.truncated) return result;
  if (indexHasGitlinks(join(repo.root, ".git", "index")) !== false) return result;
  if ((await stampOf(repo, options.signal)) === before) keep(key, before, result.stdout);
  return result;
}
