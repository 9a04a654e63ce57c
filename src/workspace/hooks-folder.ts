/**
 * The folder a repository's git hooks come from when `core.hooksPath` names one inside it
 * (`scripts/hooks`, husky's `.husky/_`): every file there runs at the user's next commit, so a
 * change to it is configuration that runs programs (agent-config.ts). patchbay's own git runs with
 * `core.hooksPath=/dev/null` (git.ts), so the value is read with its scope and that override left out.
 */
import { isAbsolute, relative, resolve, sep } from "node:path";
import { runGit } from "./git.ts";

/**
 * The hooks folder relative to `root` (`/`-separated), or undefined when `core.hooksPath` is unset
 * or names a folder outside the repository (the user's own, which no change here reaches).
 *
 * @example
 * await hooksFolderOf("/repo"); // "scripts/hooks" after `git config core.hooksPath scripts/hooks`
 */
export async function hooksFolderOf(root: string): Promise<string | undefined> {
  const { code, stdout } = await runGit(root, ["config", "--show-scope", "--get-all", "core.hooksPath"]);
  if (code !== 0) return undefined;
  // One "scope<TAB>value" line per setting, the one that applies last; the command line's is patchbay's own.
  const setting = stdout
    .split("\n")
    .map((line) => line.split("\t"))
    .filter(([scope, value]) => scope !== "command" && value)
    .at(-1)?.[1];
  // `~/…` is the user's home, which git expands: outside any repository.
  if (!setting || setting.startsWith("~")) return undefined;
  // A relative path is taken from the top of the working tree, where git runs hooks.
  const folder = relative(root, isAbsolute(setting) ? setting : resolve(root, setting));
  if (folder === "" || folder === ".." || folder.startsWith(`..${sep}`) || isAbsolute(folder)) return undefined;
  return folder.split(sep).join("/");
}
