/** What the pipeline's commands share: the --json and --repo flags and the repository they name. */
import { realpath } from "node:fs/promises";
import { resolve } from "node:path";
import { PatchbayError } from "../../errors/index.ts";
import { runGit } from "../../workspace/index.ts";

export const json = { type: "boolean", description: "Print as JSON" } as const;
export const repoArg = { type: "string", description: "Repository (default: the current directory)", valueHint: "DIR" } as const;

/** The repository: `path` (default: the current directory) up to its git top level, real. */
export async function repoOf(path: string | undefined): Promise<string> {
  const dir = await realpath(resolve(path ?? process.cwd())).catch(() => {
    throw new PatchbayError("not_found", `no directory ${path}`, { next: "pass --repo with the repository's path" });
  });
  const top = await runGit(dir, ["rev-parse", "--show-toplevel"]);
  if (top.code !== 0) throw new PatchbayError("not_a_git_repo", `${dir} is not inside a git repository`, { next: "run it in a repository, or pass --repo" });
  return realpath(top.stdout.trim());
}
