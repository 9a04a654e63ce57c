/**
 * A first-in, first-out limit on running jobs: server.max_concurrent_jobs slots, pending jobs
 * start in the order they were submitted.
 */
export interface JobQueue {
  /** Runs `start` once a slot is free; the slot is released when the promise it returns settles. */
  enqueue(id: string, start: () => Promise<void>): void;
  /** Removes a job that has not started; true when it was still waiting. */
  drop(id: string): boolean;
  running(): number;
  waiting(): string[];
  /** Resolves once nothing is running. */
  idle(): Promise<void>;
}

export function createJobQueue(limit: number): JobQueue {
  const waiting: Array<{ id: string; start: () => Promise<void> }> = [];
  let running = 0;
  const idleWaiters: Array<() => void> = [];

  function pump(): void {
    while (running < limit && waiting.length > 0) {
      const next = waiting.shift()!;
      running++;
      void next
        .start()
        .catch(() => {})
        .finally(() => {
          running--;
          pump();
          if (running === 0) for (const resolve of idleWaiters.splice(0)) resolve();
        });
    }
  }

  return {
    enqueue(id, start) {
      waiting.push({ id, start });
      pump();
    },
    drop(id) {
      const index = waiting.findIndex((entry) => entry.id === id);
      if (index < 0) return false;
      waiting.splice(index, 1);
      return true;
    },
    running: () => running,
    waiting: () => waiting.map((entry) => entry.id),
    idle: () => (running === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
  };
}
