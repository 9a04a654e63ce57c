/**
 * The watch every agent process is under: it runs as the leader of its own process group, and a
 * wall-clock timeout, an idle timeout (no output for a while) or an AbortSignal end the WHOLE
 * group: SIGTERM, then SIGKILL after a grace period. Killing only the direct child would leave a
 * grandchild holding the output pipes open.
 */

export type StopReason = "timeout" | "idle_timeout" | "cancelled";

export interface SupervisorOptions {
  timeoutMs: number;
  /** Absent: silence is fine (a command that prints nothing until it is done). */
  idleTimeoutMs?: number;
  killGraceMs: number;
  signal?: AbortSignal;
  /** Called once, when a limit or the signal stops the process (before the group is signalled). */
  onStop?: (reason: StopReason) => void;
}

export interface Supervisor {
  /** Output was seen: the idle timer starts over. */
  touch(): void;
  /** SIGTERM to the group, SIGKILL after the grace period; once. */
  terminate(): void;
  /** A last SIGKILL sweep for members that ignored SIGTERM and hold no pipe. */
  sweep(): void;
  /** Why the process was stopped, if a limit or the signal stopped it. */
  readonly stoppedBy: StopReason | undefined;
  /** Clears every timer and listener; call when the process has exited and its output closed. */
  dispose(): void;
}

/** Signals a whole process group; it may already be gone. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

export function superviseGroup(pid: number, options: SupervisorOptions): Supervisor {
  const timers: Array<ReturnType<typeof setTimeout>> = [];
  let lastOutputAt = Date.now();
  let terminating = false;
  let stoppedBy: StopReason | undefined;

  const terminate = () => {
    if (terminating) return;
    terminating = true;
    killGroup(pid, "SIGTERM");
    timers.push(setTimeout(() => killGroup(pid, "SIGKILL"), options.killGraceMs));
  };
  const stop = (reason: StopReason) => {
    if (terminating || stoppedBy) return;
    stoppedBy = reason;
    options.onStop?.(reason);
    terminate();
  };
  const checkIdle = (idleMs: number) => {
    const quietFor = Date.now() - lastOutputAt;
    if (quietFor >= idleMs) return stop("idle_timeout");
    timers.push(setTimeout(() => checkIdle(idleMs), idleMs - quietFor));
  };
  const onAbort = () => stop("cancelled");
  timers.push(setTimeout(() => stop("timeout"), options.timeoutMs));
  const idleMs = options.idleTimeoutMs;
  if (idleMs !== undefined) timers.push(setTimeout(() => checkIdle(idleMs), idleMs));
  if (options.signal?.aborted) stop("cancelled");
  options.signal?.addEventListener("abort", onAbort, { once: true });

  return {
    touch: () => void (lastOutputAt = Date.now()),
    terminate,
    sweep: () => killGroup(pid, "SIGKILL"),
    get stoppedBy() {
      return stoppedBy;
    },
    dispose() {
      for (const timer of timers) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    },
  };
}
