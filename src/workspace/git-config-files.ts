/**
 * The files outside a work tree whose change may change what git says about it (status, its file
 * list), for answers kept between calls (status-cache.ts, file-list.ts): the config files git
 * read (their origins as `git config --show-origin` names them), the files they include whether
 * or not they exist yet, the global and system config even while absent, the excludes and
 * attributes files. A relative `include.path` is relative to the file that holds it (git's rule),
 * so `~/.gitconfig` including `.gitconfig.local` names a file in the home directory, not in the
 * root. Read with one `git config` spawn, again only when one of the config files changed.
 */
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { runGit } from "./git.ts";
import { markAt, marksOf, RACY_MS } from "./file-marks.ts";
import { findGitRepo } from "./git-repo.ts";

/** Roots whose reading is remembered at most, the oldest going first. */
const MAX_ROOTS = 64;

export interface GitConfigFiles {
  /** Every file outside the tree whose change may change git's answers (config files among them). */
  outside: string[];
  /**
   * False for a repository whose refs are in a reftable (its files are not the ones watched), or
   * whose objects are named by SHA-256 (index-entries.ts reads SHA-1 index entries only).
   */
  keepable: boolean;
}

interface Reading extends GitConfigFiles {
  /** The config files (and what they include) whose marks decided this reading. */
  configFiles: string[];
  configMarks: string;
}

const readings = new Map<string, Reading>();

/** True when one of `paths` changed within RACY_MS: perhaps while git read it, perhaps in a coarse clock's tick. */
function includedChangedLately(paths: readonly string[]): boolean {
  const now = Date.now();
  return paths.some((path) => now - markAt(path).changedMs < RACY_MS);
}

const expandHome = (base: string, path: string) => (path.startsWith("~/") ? join(homedir(), path.slice(2)) : resolve(base, path));

/**
 * Where patchbay's git looks for the global and system config and the user's excludes and
 * attributes, whether or not they exist. Its git calls get no GIT_* (environment.ts), so a
 * GIT_CONFIG_GLOBAL in this process's environment moves nothing.
 */
function defaultFiles(): string[] {
  const xdg = process.env.XDG_CONFIG_HOME || join(homedir(), ".config");
  return [join(homedir(), ".gitconfig"), join(xdg, "git", "config"), "/etc/gitconfig", join(xdg, "git", "ignore"), join(xdg, "git", "attributes")];
}

/**
 * The files outside `root`'s tree that decide git's answers there; undefined when git's config
 * cannot be read whole.
 *
 * @example
 * const files = await gitConfigFiles("/work/repo");
 * const stamp = files && marksOf(files.outside);
 */
export async function gitConfigFiles(root: string, signal?: AbortSignal): Promise<GitConfigFiles | undefined> {
  const known = readings.get(root);
  if (known && marksOf(known.configFiles) === known.configMarks) return known;
  // git works from the top of the work tree: a relative origin (`.git/config`) and a relative
  // excludes or attributes file are relative to the top, not to a root below it.
  const repo = await findGitRepo(root, signal);
  if (!repo) return undefined;
  const top = resolve(
    root,
    ...repo.prefix
      .split("/")
      .filter(Boolean)
      .map(() => ".."),
  );
  const configFiles = [join(top, ".git", "config"), ...defaultFiles()];
  const configMarks = marksOf(configFiles);
  const listed = await runGit(root, ["config", "--list", "--show-origin", "-z"], { signal, maxBytes: 1024 * 1024 });
  if (listed.code !== 0 || listed.truncated) return undefined;
  const read = new Set<string>();
  const outside = new Set(defaultFiles());
  let keepable = true;
  // -z: "file:<origin>\0<key>\n<value>\0" per entry; an origin relative to the root, or absolute.
  const fields = listed.stdout.split("\0");
  for (let at = 0; at + 1 < fields.length; at += 2) {
    const origin = (fields[at] ?? "").startsWith("file:") ? expandHome(top, (fields[at] ?? "").slice(5)) : undefined;
    const [key = "", ...rest] = (fields[at + 1] ?? "").split("\n");
    const value = rest.join("\n");
    if (origin) read.add(origin);
    if (key === "extensions.refstorage" && value === "reftable") keepable = false;
    if (key === "extensions.objectformat" && value.toLowerCase() !== "sha1") keepable = false;
    if (key === "include.path" || /^includeif\..*\.path$/.test(key)) read.add(expandHome(origin ? dirname(origin) : top, value));
    if (key === "core.excludesfile" || key === "core.attributesfile") outside.add(expandHome(top, value));
  }
  const allConfig = [...new Set([...configFiles, ...read])];
  const reading: Reading = {
    outside: [...new Set([...outside, ...read])],
    keepable,
    configFiles: allConfig,
    // The config files were marked before git read them, so one changed while git ran makes the next call read
    // again. The files they include are known only from git's answer: marked now, and when one changed within
    // the last RACY_MS (perhaps while git ran, perhaps in a coarse timestamp's tick) nothing matches it.
    configMarks: allConfig.length === configFiles.length ? configMarks : includedChangedLately(allConfig) ? "" : marksOf(allConfig),
  };
  readings.delete(root);
  readings.set(root, reading);
  if (readings.size > MAX_ROOTS) readings.delete(readings.keys().next().value as string);
  return reading;
}
