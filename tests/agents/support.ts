import { isProcessAlive } from "../../src/state/index.ts";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentAdapter, AgentEvent, AgentResult, AgentTurn } from "../../src/agents/index.ts";
import type { PathCheck } from "../../src/agents/acp/index.ts";
import { guardPath } from "../../src/workspace/index.ts";

export const fixtures = join(import.meta.dir, "fixtures");

/** The ACP writer policy's path check as the pipeline passes it: the workspace guard, no extra blocked globs. */
export const workspaceGuard: PathCheck = async (worktree, path) => (await guardPath(worktree, path, { blockedGlobs: [] })).relative;

/** The workspace the captures ran in, once `<root>` is replaced. */
export const WS = "/r/ws";

export function turnOf(overrides: Partial<AgentTurn> = {}): AgentTurn {
  return { prompt: "Create hello.txt", cwd: WS, access: "write", scratchDir: "/s", ...overrides };
}

/** A capture's lines with the path placeholders replaced. */
export function captureLines(file: string): string[] {
  const text = readFileSync(join(fixtures, file), "utf8").replaceAll("<root>", "/r");
  return text.split("\n").filter((line) => line !== "");
}

export function captureText(file: string): string {
  return readFileSync(join(fixtures, file), "utf8").replaceAll("<root>", "/r");
}

/** Feeds a stream to a fresh parser, as runAgent would. */
export function feed(
  adapter: AgentAdapter,
  turn: AgentTurn,
  lines: string[],
  exit: { code: number | null; signal: string | null },
  stderrTail = "",
): { events: AgentEvent[]; result: AgentResult } {
  const parser = adapter.parser(turn);
  const events = lines.flatMap((line) => parser.line(line));
  return { events, result: parser.finish(exit, stderrTail) };
}

const created: string[] = [];

export function tempDir(prefix = "patchbay-agents-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * True once `pid` is gone (a zombie counts as gone), polling for up to `withinMs`. A pid that was
 * never captured (undefined, NaN, 0) is an error, not "gone": isProcessAlive says false for it.
 */
export async function gone(pid: number | undefined, withinMs = 3000): Promise<boolean> {
  if (pid === undefined || !Number.isInteger(pid) || pid <= 0) throw new Error(`gone(${pid}): no process id was captured, so nothing proves it stopped`);
  const end = Date.now() + withinMs;
  while (Date.now() < end) {
    if (!isProcessAlive(pid)) return true;
    await new Promise((done) => setTimeout(done, 25));
  }
  return !isProcessAlive(pid);
}
