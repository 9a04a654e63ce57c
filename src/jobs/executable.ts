/**
 * A missing agent CLI is refused when the job is asked for, not after it was queued: the caller
 * learns at once what to install and which setting points at it.
 */
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { delimiter, join } from "node:path";
import type { AgentAdapter } from "../agents/types.ts";
import { PatchbayError } from "../errors/index.ts";

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(() => true, () => false);
}

/** The executable's path: itself when it names a path, else the first match on PATH. */
export async function findExecutable(executable: string, path = process.env.PATH ?? ""): Promise<string | undefined> {
  if (executable.includes("/")) return (await isExecutable(executable)) ? executable : undefined;
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, executable);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Throws agent_not_found (the code runAgent uses too) naming the executable, how to install it, and the config key. */
export async function assertExecutable(adapter: AgentAdapter, executable: string): Promise<void> {
  if (await findExecutable(executable)) return;
  throw new PatchbayError("agent_not_found", `the ${adapter.name} agent's executable ${JSON.stringify(executable)} was not found${executable.includes("/") ? "" : " on PATH"}`, {
    next: `install it (${adapter.install}), or point ${adapter.configKey} at it in config.toml`,
    details: { agent: adapter.name, executable, config_key: adapter.configKey },
  });
}
