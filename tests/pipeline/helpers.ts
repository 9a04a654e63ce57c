import { loadConfig } from "../../src/config/index.ts";
import { loadPipelineConfig, trustPipelineConfig, type PipelineEnv } from "../../src/pipeline/index.ts";
import { makeGitRepo, type FileTree } from "../support/git-repo.ts";
import { tempDir } from "../support/patchbay.ts";

/** A pipeline environment without a server: agents run directly; `trusted` repositories' pipeline files are trusted in its home. */
export async function directEnv(...trusted: string[]): Promise<PipelineEnv> {
  const home = tempDir("patchbay-pipeline-home-");
  for (const repo of trusted) await trustIn(home, repo);
  return { home, config: await loadConfig({ home }), redact: (text) => text };
}

/** What `patchbay config trust` does: the operator trusts the repository's pipeline file as it is now. */
export async function trustIn(home: string, repo: string): Promise<void> {
  await trustPipelineConfig(home, repo, await loadPipelineConfig(repo), "test");
}

/** A repository whose test command passes once the file FIXED exists (or always, with `passing`). */
export function pipelineRepo(toml: string, files: FileTree = {}): string {
  return makeGitRepo({
    "README.md": "hello\n",
    "check.mjs": 'import { existsSync } from "node:fs";\nprocess.exit(existsSync("FIXED") || existsSync("PASS_ALWAYS") ? 0 : 1);\n',
    ".ai/patchbay.toml": toml,
    ...files,
  });
}

export const TEST_COMMAND = `${process.execPath} check.mjs`;

export function mockToml(extra = ""): string {
  return `[phases.plan]\nprovider = "mock"\n[phases.write]\nprovider = "mock"\n[phases.review]\nprovider = "mock"\n[phases.test]\ncommands = [${JSON.stringify(TEST_COMMAND)}]\ntimeout = 60\n${extra}`;
}

/** A task whose mock script makes each phase do what the test needs (backticks escaped, so messages may hold fences). */
export function scripted(task: string, script: Record<string, unknown>): string {
  return `${task}\n\n\`\`\`patchbay-mock\n${JSON.stringify(script).replaceAll("`", "\\u0060")}\n\`\`\`\n`;
}
