/**
 * Waiting on a running job: until it ends, the time is up or the caller gives up, whichever
 * comes first; the caller reads the record afterwards.
 */
export async function waitForEnd(done: Promise<void>, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  try {
    await Promise.race([
      done,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      new Promise<void>((resolve) => {
        onAbort = () => resolve();
        if (signal?.aborted) resolve();
        signal?.addEventListener("abort", onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
}
