/** What the board's browser tests share: waiting on a condition, and whether a process still runs. */
import { removeTempDirs } from "../support/patchbay.ts";

/** Polls `check` until it holds, failing after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Whether process `pid` still exists (signal 0 only checks). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Ends what a board test started, in order: its browser, its MCP client, its server, then the temp directories. */
export async function closeAll(...started: Array<{ close?(): Promise<unknown>; stop?(): Promise<unknown> } | undefined>): Promise<void> {
  for (const thing of started) await (thing?.close ?? thing?.stop)?.call(thing);
  removeTempDirs();
}
