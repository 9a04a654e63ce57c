import { existsSync, realpathSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
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
  for (let dir = real; ; dir = dirname(dir)) {
    if (existsSync(join(dir, ".git"))) return dir;
    if (dirname(dir) === dir) return real;
  }
}
