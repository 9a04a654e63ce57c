import { existsSync } from "node:fs";
import { join } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { repositoryEnvShadow } from "./gemini-env-files.ts";
import type { AgentTurn } from "./types.ts";

/**
 * What a gemini turn takes from the repository it runs in. With agents.repository_settings it
 * trusts the workspace as before. Without, gemini loads its settings as for a folder it does not
 * trust (GEMINI_CLI_TRUST_WORKSPACE=false: the repository's `.gemini/settings.json`, with its hooks,
 * MCP servers and every other key, is left out; the user's and system settings load) and then
 * trusts the folder for the turn: `--skip-trust` sets GEMINI_CLI_TRUST_WORKSPACE=true while argv is
 * parsed, which gemini 0.61 does after loading settings (main() in its bundle), so yolo, git in
 * the shell and GEMINI.md, which an untrusted folder turns off, still work. Two things a trusted
 * turn still takes from the repository are handled here: its `.env` file (loaded again once
 * trusted, validateAuthMethod) and its `.gemini/commands` (run by a prompt starting with `/`).
 * Checked with the pinned CLI: tests/agents/gemini-repository-settings.test.ts.
 *
 * @example
 * repositoryTrust({ ...turn, repositorySettings: false }, env); // { args: ["--skip-trust"], env: { GEMINI_CLI_TRUST_WORKSPACE: "false" } }
 */
export function repositoryTrust(turn: AgentTurn, env: Record<string, string | undefined>): { args: string[]; env: Record<string, string> } {
  if (turn.repositorySettings) return { args: [], env: { GEMINI_CLI_TRUST_WORKSPACE: "true" } };
  refuseRepositoryCommand(turn);
  return { args: ["--skip-trust"], env: { ...repositoryEnvShadow(env, turn.cwd), GEMINI_CLI_TRUST_WORKSPACE: "false" } };
}

/**
 * gemini runs a prompt starting with `/` (not `//` or `/*`) as a custom command, and a trusted turn
 * loads the repository's `.gemini/commands`, whose `!{…}` lines run in the shell before the model
 * sees anything (in yolo). No switch leaves them out, so such a turn is refused.
 */
function refuseRepositoryCommand(turn: AgentTurn): void {
  const prompt = turn.prompt.trimStart();
  if (!prompt.startsWith("/") || prompt.startsWith("//") || prompt.startsWith("/*")) return;
  const commands = join(turn.cwd, ".gemini", "commands");
  if (!existsSync(commands)) return;
  throw new PatchbayError(
    "agent_repository_command",
    `gemini would run this prompt as a custom command, and ${commands} holds the repository's own, which patchbay does not let gemini load by default`,
    {
      next: "start the prompt with something other than /, or set agents.repository_settings = true in config.toml to let gemini load the repository's settings and commands",
    },
  );
}
