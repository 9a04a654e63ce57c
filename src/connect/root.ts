import { existsSync, realpathSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Config } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";

/**
 * The repository a registration is for: `--root` when given, else the git work tree around the
 * current directory, else the current directory; always a real absolute path.
 */
export function repositoryRoot(root: string | undefined, cwd: string = process.cwd()): string {
  const start = resolve(cwd, root ?? ".");
  let real: string;
  try {
    real = realpathSync(start);
  } catch {
    throw new PatchbayError("invalid_root", `--root ${root ?? "."}: ${start} does not exist`, { next: "pass an existing directory to --root" });
  }
  if (!statSync(real).isDirectory())
    throw new PatchbayError("invalid_root", `--root ${root}: ${real} is not a directory`, { next: "pass a directory to --root" });
  if (root !== undefined) return real;
  return enclosingRepository(real) ?? real;
}

/** The git work tree `dir` (a real path) is in, if any. */
function enclosingRepository(dir: string): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, ".git"))) return at;
    if (dirname(at) === at) return undefined;
  }
}

/**
 * The roots `start` serves: the flags' and the config's when they name any, else the git work
 * tree around the current directory, the same repository `mcp install` registers. Outside a
 * repository it serves none rather than the current directory: a long-lived server started from
 * $HOME (or the background server, which runs in $PATCHBAY_HOME) must not serve that folder.
 */
export function withRepositoryAround(config: Config, cwd: string = process.cwd()): Config {
  const { repositories } = config;
  if (repositories.default || repositories.allowed.length > 0) return config;
  const repository = enclosingRepository(realpathSync(cwd));
  if (!repository) return config;
  return { ...config, repositories: { ...repositories, default: repository, allowed: [repository] } };
}
