/**
 * The generated repository the workspace bench searches: `dirs` × `filesPerDir` small TypeScript
 * files in one commit, with tokens of known frequency so every query's match count is known.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const FILES_PER_DIR = 100;

/** Every 50th file holds `rare_token_<n>`: 400 of 20,000 files. */
export const RARE_LITERAL = "rare_token_";
/** `rare_token_<n>` with n a multiple of 100 (but not 0): 199 matches in 20,000 files. */
export const RARE_REGEX = "rare_token_[0-9]+00 ";

function fileText(n: number): string {
  const lines = [
    `// generated file ${n}`,
    `import { helper } from "../shared/helper.ts";`,
    "",
    `export function compute${n}(input: number): number {`,
    `  return helper(input) * ${n};`,
    "}",
    "",
  ];
  if (n % 50 === 0) lines.push(`export const rare_token_${n} = true;`, "");
  return lines.join("\n");
}

/** Writes the files under `root` (an empty directory) and commits them in a new git repository. */
export function generateRepo(root: string, files: number): void {
  for (let n = 0; n < files; n++) {
    const dir = join(root, `pkg${String(Math.floor(n / FILES_PER_DIR)).padStart(4, "0")}`);
    if (n % FILES_PER_DIR === 0) mkdirSync(dir);
    writeFileSync(join(dir, `file${String(n % FILES_PER_DIR).padStart(3, "0")}.ts`), fileText(n));
  }
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@example.com", ...args], { cwd: root, stdio: "pipe" });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-q", "-m", "generated");
}
