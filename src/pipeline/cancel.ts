/**
 * Stopping a phase and cancelling a run. The rule:
 *
 * - A run becomes `cancelled` only when a person asks for it: `patchbay cancel <run_id>`. That
 *   writes `CANCEL` in the run folder; the process running the phase (a server, another CLI)
 *   sees it within a moment, stops the agent job or test command, and marks the run cancelled.
 *   With no phase running, the cancel marks the run itself.
 * - Anything else that aborts a phase (an MCP host cancelling the tool call or disconnecting,
 *   Ctrl-C in the CLI, `STOP` written by a CLI following a phase on the server) only stops the
 *   phase: the run keeps its state with a `phase_stopped` failure, and the phase can be run
 *   again. A host's cancel cannot be told apart from a timeout, so it never ends the run.
 */
import { PatchbayError } from "../errors/index.ts";
import { readPhaseLock } from "./lock.ts";
import { readRunFile, removeRunFile, type RunRecord, writeRunFile } from "./run-record.ts";

export type StopMode = "cancel" | "stop";

export interface StopRequest {
  mode: StopMode;
  by: string;
  at: string;
}

const FILE: Record<StopMode, string> = { cancel: "CANCEL", stop: "STOP" };

export async function requestStop(record: Pick<RunRecord, "repo" | "run_id">, mode: StopMode, by: string): Promise<void> {
  const request: StopRequest = { mode, by, at: new Date().toISOString() };
  await writeRunFile(record, FILE[mode], `${JSON.stringify(request)}\n`);
}

/** The pending request, `cancel` before `stop`. */
export async function readStopRequest(record: Pick<RunRecord, "repo" | "run_id">): Promise<StopRequest | undefined> {
  for (const mode of ["cancel", "stop"] as const) {
    const text = await readRunFile(record, FILE[mode]);
    if (text === undefined) continue;
    try {
      return JSON.parse(text) as StopRequest;
    } catch {
      return { mode, by: "unknown", at: new Date().toISOString() };
    }
  }
  return undefined;
}

export async function clearStopRequests(record: Pick<RunRecord, "repo" | "run_id">, modes: readonly StopMode[] = ["cancel", "stop"]): Promise<void> {
  await Promise.all(modes.map((mode) => removeRunFile(record, FILE[mode])));
}

/**
 * An abort signal for a running phase: aborted by `outer` (the MCP call, Ctrl-C) or by a
 * CANCEL/STOP file appearing in the run folder (checked every `everyMs`). `dispose` stops watching.
 */
export function watchStop(
  record: Pick<RunRecord, "repo" | "run_id">,
  outer: AbortSignal | undefined,
  everyMs = 250,
): { signal: AbortSignal; reason: () => StopRequest | undefined; dispose: () => void } {
  const controller = new AbortController();
  let request: StopRequest | undefined;
  const onOuter = () => controller.abort(outer?.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener("abort", onOuter, { once: true });
  let checking = false;
  const timer = setInterval(() => {
    if (checking || controller.signal.aborted) return;
    checking = true;
    void readStopRequest(record).then(
      (found) => {
        checking = false;
        if (!found || controller.signal.aborted) return;
        request = found;
        controller.abort(new PatchbayError(found.mode === "cancel" ? "run_cancelled" : "phase_stopped", `${found.mode} requested by ${found.by}`));
      },
      () => {
        checking = false;
      },
    );
  }, everyMs);
  timer.unref?.();
  return {
    signal: controller.signal,
    reason: () => request,
    dispose: () => {
      clearInterval(timer);
      outer?.removeEventListener("abort", onOuter);
    },
  };
}

/** Waits until no live process holds the run's phase lock, or `timeoutMs` passed; true when free. */
export async function waitForPhaseEnd(record: Pick<RunRecord, "repo" | "run_id">, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lock = await readPhaseLock(record);
    if (!lock) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((done) => setTimeout(done, 100));
  }
}

export function stoppedError(record: RunRecord, phase: string, by?: string): PatchbayError {
  return new PatchbayError("phase_stopped", `the ${phase} phase of run ${record.run_id} was stopped${by ? ` (${by})` : ""}; the run keeps its state`, {
    next: `run ${phase} again, or end the run with \`patchbay cancel ${record.run_id}\``,
  });
}
