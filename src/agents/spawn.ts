/**
 * What every agent spawn shares, whichever way it talks to the agent (`runAgent`'s output stream,
 * the ACP writer's conversation, the job runtime's check before queueing): finding the executable
 * as the spawn would, `agent_not_found` naming the install step and the config key, the working
 * directory check, waiting for output to close, and how a stopped turn is described.
 */
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import type { StopReason } from "./supervise.ts";
import type { AgentAdapter } from "./types.ts";

/**
 * The executable a spawn would run: a path as is (relative to cwd), a bare name from PATH.
 *
 * @example
 * findExecutable("codex", process.env.PATH ?? "", repo); // "/usr/local/bin/codex", or undefined
 */
export function findExecutable(command: string, path: string, cwd: string): string | undefined {
  if (command.includes("/")) {
    const candidate = isAbsolute(command) ? command : resolve(cwd, command);
    return isExecutableFile(candidate) ? candidate : undefined;
  }
  for (const dir of path.split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, command);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** `agent_not_found` for an executable that is missing or not executable, with how to get it. */
export function executableNotFound(agent: Pick<AgentAdapter, "name" | "install" | "configKey">, command: string, path: string): PatchbayError {
  const where = command.includes("/") ? "" : " on PATH";
  return new PatchbayError("agent_not_found", `the ${agent.name} agent's executable "${command}" was not found${where} or is not executable`, {
    next: `install it (${agent.install}), or set ${agent.configKey} to its absolute path`,
    details: { agent: agent.name, executable: command, configKey: agent.configKey, ...(where && { path }) },
  });
}

/** Resolves once the stream ended, closed or failed (at once when there is none). */
export function outputClosed(stream: NodeJS.ReadableStream | null): Promise<void> {
  if (!stream) return Promise.resolve();
  return new Promise((done) => {
    stream.once("end", done);
    stream.once("close", done);
    stream.once("error", done);
  });
}

/** Why a turn a limit or the caller stopped failed, in words. */
export function stopText(reason: StopReason, limits: { timeoutMs: number; idleTimeoutMs: number }): string {
  if (reason === "timeout") return `stopped after ${seconds(limits.timeoutMs)} (the turn's time limit)`;
  if (reason === "idle_timeout") return `stopped after ${seconds(limits.idleTimeoutMs)} without output`;
  return "cancelled";
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
