/**
 * Presence: when each agent was last active. Kept in memory and written to the agent's record at
 * most every PERSIST_MS, so a busy agent costs no write per call. Not a delivery gate.
 */
import type { RecordStore } from "../state/index.ts";
import type { AgentData, Identities } from "./identities.ts";
import { agentId, formatAddress, type AgentAddress } from "./names.ts";

const PERSIST_MS = 30_000;

export interface PresenceEntry {
  agent: string;
  last_seen: string | null;
  active: boolean;
}

export interface Presence {
  touch(agent: AgentAddress): void;
  /** Every agent of `namespace`, `active` when seen within `windowMs` (default messaging.presence_window_seconds). */
  of(namespace: string, windowMs?: number): Promise<PresenceEntry[]>;
}

export function createPresence(store: RecordStore, identities: Identities, windowMs: number): Presence {
  const seen = new Map<string, number>();
  const persisted = new Map<string, number>();
  return {
    touch(agent) {
      const id = agentId(agent);
      const now = Date.now();
      seen.set(id, now);
      if (now - (persisted.get(id) ?? 0) < PERSIST_MS) return;
      persisted.set(id, now);
      void store
        .update<AgentData>("agent", id, (current) => ({
          ...(current?.data ?? { ...agent, created_at: new Date(now).toISOString() }),
          last_seen: new Date(now).toISOString(),
        }))
        .catch(() => undefined);
    },
    async of(namespace, window = windowMs) {
      const now = Date.now();
      return (await identities.agents(namespace))
        .map((agent) => {
          const stored = agent.last_seen ? Date.parse(agent.last_seen) : 0;
          const last = Math.max(stored, seen.get(agentId(agent)) ?? 0);
          return { agent: formatAddress(agent), last_seen: last ? new Date(last).toISOString() : null, active: last > 0 && now - last <= window };
        })
        .sort((a, b) => a.agent.localeCompare(b.agent));
    },
  };
}
