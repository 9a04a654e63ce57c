/**
 * What happens on the server that a host would show its user (a job started, a worker's turn
 * failed), published once and read by every session's log (`logging.ts`). The kit defines the
 * feed; the application feeds it (src/app/create.ts), so the kit never names a capability.
 */

/** MCP's log levels that patchbay uses: routine events, refusals and stops, failures. */
export type ActivityLevel = "info" | "warning" | "error";

export interface ActivityEvent {
  level: ActivityLevel;
  /** The part of patchbay it comes from, shown as the log's `logger`: `jobs`, `workers`. */
  source: string;
  text: string;
  /** The repository it concerns (a real path): sessions that may touch it see it. */
  repo?: string;
  /** The session that caused it: that session sees it whatever its roots. */
  clientRef?: string;
}

export interface ActivityFeed {
  publish(event: ActivityEvent): void;
  /** The result unsubscribes. */
  subscribe(listener: (event: ActivityEvent) => void): () => void;
}

export function createActivityFeed(): ActivityFeed {
  const listeners = new Set<(event: ActivityEvent) => void>();
  return {
    publish(event) {
      for (const listener of [...listeners]) listener(event);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
