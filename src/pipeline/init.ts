/**
 * `patchbay init`: prepares a repository for the pipeline. Writes `.ai/patchbay.example.toml`
 * (meant to be committed: a documented example of the schema) and makes sure the local files
 * (IGNORED) are ignored by git. Running it again changes nothing.
 */
import { lstat, realpath } from "node:fs/promises";
import { join } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { readInside, writeInside } from "../workspace/index.ts";
import { runGit } from "../workspace/index.ts";
import { EXAMPLE_CONFIG_FILE } from "./config.ts";
import { writeAiFile } from "./ai-files.ts";

export const EXAMPLE_CONFIG = `# patchbay phase pipeline: plan -> approve -> write -> test -> review -> (fix -> test -> review)* -> apply
#
# This is the committed example. Copy it to .ai/patchbay.toml (git-ignored) and adapt it; until
# .ai/patchbay.toml exists, patchbay reads this file. \`patchbay config show\` prints the result,
# \`patchbay doctor\` checks it. See docs/pipeline.md for every key.
#
# Providers: codex_cli, claude_cli, gemini_cli (built in), mock (deterministic, for tests), and
# your own CLI agents under [providers.<id>]. reasonix_cli (write, fix) runs "reasonix acp".

[phases.plan]            # read-only planner: writes PLAN.md
provider = "claude_cli"
# model = "claude-opus-4-7"

[phases.write]           # the writer, in its own worktree: FINAL.diff
provider = "codex_cli"
# model = "gpt-5.5"
# command = "/opt/bin/codex"   # this phase's executable (default: [commands] or the server's [agents.commands])
# timeout = 1800               # seconds for the agent turn

[phases.review]          # read-only reviewer: PASS or CHANGES_REQUESTED
provider = "codex_cli"

# [phases.fix]           # defaults to the write phase's provider and model
# provider = "codex_cli"

[phases.test]            # the only commands the test phase runs (no shell), in the worktree
commands = []            # e.g. ["npm test"]
timeout = 900            # seconds per command

[workflow]
require_plan_approval = true       # a person approves the plan before write
worktree_root = ".ai/worktrees"    # relative to the repository
branch_prefix = "patchbay"         # branches are <prefix>/<run_id>
max_fix_rounds = 2
allow_apply_without_tests = false

# A CLI agent of your own: roles among plan, write, review, fix; args may use {{prompt}},
# {{prompt_file}}, {{cwd}} and {{model}}; prompt_mode is stdin, arg or file; output_contract is
# text, json, jsonl or diff (diff: the agent prints a patch, which is checked and applied); the
# original's writer_diff, worktree_diff, plan_json and review_verdict are read as diff, text, text, text.
# [providers.my_agent]
# roles = ["plan", "review"]
# command = "my-agent"
# args = ["--task-file", "{{prompt_file}}"]
# prompt_mode = "file"
# output_contract = "text"
`;

/**
 * What must never be committed (a probe path inside each directory, since git ignores files): the
 * local config, runs and worktrees, and the original pipeline's logs and worktree folder, which a
 * repository moving from it may still hold.
 */
const IGNORED = [
  { entry: ".ai/patchbay.toml", probe: ".ai/patchbay.toml" },
  { entry: ".ai/runs/", probe: ".ai/runs/probe" },
  { entry: ".ai/worktrees/", probe: ".ai/worktrees/probe" },
  { entry: ".ai/logs/", probe: ".ai/logs/probe" },
  { entry: ".patchbay-worktrees/", probe: ".patchbay-worktrees/probe" },
] as const;

/** The entries `init` makes git ignore. */
export const IGNORED_ENTRIES: readonly string[] = IGNORED.map(({ entry }) => entry);

export interface InitResult {
  repo: string;
  example: { path: string; action: "created" | "kept" };
  gitignore: { path: string; added: string[] };
  /** Set when the example itself is git-ignored, so it would not be committed. */
  warning?: string;
}

async function ignored(repo: string, path: string): Promise<boolean> {
  return (await runGit(repo, ["check-ignore", "-q", "--no-index", "--", path])).code === 0;
}

/** The .gitignore patchbay edits is read whole; one bigger than this is not a hand-kept file. */
const MAX_GITIGNORE_BYTES = 1024 * 1024;

/** The repository's .gitignore, "" when missing; a symlink or non-file there is refused, never followed. */
async function readGitignore(root: string): Promise<string> {
  try {
    const file = await readInside(root, join(root, ".gitignore"), MAX_GITIGNORE_BYTES);
    if (file.truncated)
      throw new PatchbayError("gitignore_too_large", `.gitignore in ${root} is over ${MAX_GITIGNORE_BYTES} bytes`, {
        next: `add ${IGNORED_ENTRIES.join(", ")} to it by hand`,
      });
    return new TextDecoder().decode(file.bytes);
  } catch (error) {
    if ((error as PatchbayError).code === "not_found") return "";
    throw error;
  }
}

export async function initRepo(repo: string): Promise<InitResult> {
  const root = await realpath(repo);
  let action: InitResult["example"]["action"] = "kept";
  // lstat, not exists: a symlink there is kept as it is, never followed to write through it.
  if (
    !(await lstat(join(root, EXAMPLE_CONFIG_FILE)).then(
      () => true,
      () => false,
    ))
  ) {
    await writeAiFile(root, EXAMPLE_CONFIG_FILE, EXAMPLE_CONFIG);
    action = "created";
  }
  const added: string[] = [];
  for (const { entry, probe } of IGNORED) if (!(await ignored(repo, probe))) added.push(entry);
  if (added.length > 0) {
    const current = await readGitignore(root);
    const lead = current === "" || current.endsWith("\n") ? "" : "\n";
    await writeInside(
      root,
      join(root, ".gitignore"),
      `${current}${lead}${current === "" ? "" : "\n"}# patchbay: local pipeline config, runs, worktrees and logs\n${added.join("\n")}\n`,
    );
  }
  const result: InitResult = { repo, example: { path: EXAMPLE_CONFIG_FILE, action }, gitignore: { path: ".gitignore", added } };
  if (await ignored(repo, EXAMPLE_CONFIG_FILE))
    result.warning = `${EXAMPLE_CONFIG_FILE} is git-ignored, so it will not be committed; add !${EXAMPLE_CONFIG_FILE} to .gitignore`;
  return result;
}
