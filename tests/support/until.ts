/**
 * The suite's one way to wait for an effect: poll a check until it holds, within a deadline, and
 * fail saying what was awaited and what the check last saw. Tests synchronize on conditions, never
 * on sleeps, so a loaded machine makes them slower, not wrong.
 */
import { inspect } from "node:util";

export interface UntilOptions<T> {
  /** How long to keep polling before failing; only a failing test waits this long. */
  timeoutMs?: number;
  /** Whether a seen value ends the wait (default: the value is truthy). */
  accept?: (seen: T) => boolean;
}

// Starts fast so a test sees a quick effect at once, then backs off so a slow one (a check that
// runs the binary) does not load the machine shared with other tests.
const FIRST_PAUSE_MS = 10;
const LONGEST_PAUSE_MS = 250;

/**
 * Resolves with the first value of `check` that is accepted; fails after `timeoutMs` (30 s by
 * default) naming `what` was awaited and the last value seen. A check that throws fails the wait
 * at once: an error is an answer, not a "not yet".
 *
 * @example
 * const run = await until(() => status(runId), "the run to be planned", { accept: (view) => view.state === "planned" });
 */
export async function until<T>(check: () => T | Promise<T>, what: string, options: UntilOptions<Awaited<T>> = {}): Promise<Awaited<T>> {
  const { timeoutMs = 30_000, accept = Boolean } = options;
  const deadline = Date.now() + timeoutMs;
  let pause = FIRST_PAUSE_MS;
  for (;;) {
    const seen = await check();
    if (accept(seen)) return seen;
    if (Date.now() > deadline) {
      throw new Error(`gave up waiting for ${what} after ${timeoutMs} ms; last seen: ${inspect(seen, { depth: 4, breakLength: Infinity })}`);
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
  }
}
