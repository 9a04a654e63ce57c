/**
 * Change notifications between the processes sharing a state: "something changed, re-read".
 * With the fs driver one server owns a home, so they stay in-process; with Redis they travel over
 * pub/sub to every server. A notification may be lost (a reconnect) or doubled; listeners treat
 * it as a hint and still re-check the records themselves.
 */

export interface NotificationChannel {
  publish(topic: string, payload: string): Promise<void>;
  /** Resolves once the subscription is active; the result unsubscribes. */
  subscribe(topic: string, handler: (payload: string) => void): Promise<() => Promise<void>>;
}

export function inProcessChannel(): NotificationChannel {
  const handlers = new Map<string, Set<(payload: string) => void>>();
  return {
    async publish(topic, payload) {
      for (const handler of [...(handlers.get(topic) ?? [])]) handler(payload);
    },
    async subscribe(topic, handler) {
      const set = handlers.get(topic) ?? new Set();
      handlers.set(topic, set);
      set.add(handler);
      return async () => {
        set.delete(handler);
        if (set.size === 0 && handlers.get(topic) === set) handlers.delete(topic);
      };
    },
  };
}
