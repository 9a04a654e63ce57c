/**
 * A missing agent CLI is refused when the job is asked for, not after it was queued: the caller
 * learns at once what to install and which setting points at it.
 */
import { findExecutable } from "../agents/index.ts";
import type { AgentAdapter } from "../agents/types.ts";
import { PatchbayError } from "../errors/index.ts";

/** Throws agent_not_found (the code runAgent uses too) naming the executable, how to install it, and the config key. */
export async function assertExecutable(adapter: AgentAdapter, executable: string): Promise<void> {
  if (findExecutable(executable, process.env.PATH ?? "", process.cwd())) return;
  throw new PatchbayError(
    "agent_not_found",
    `the ${adapter.name} agent's executable ${JSON.stringify(executable)} was not found${executable.includes("/") ? "" : " on PATH"}`,
    {
      next: `install it (${adapter.install}), or point ${adapter.configKey} at it in config.toml`,
      details: { agent: adapter.name, executable, config_key: adapter.configKey },
    },
  );
}
