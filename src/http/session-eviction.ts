/**
 * Closing idle 2025-era sessions: hosts rarely send DELETE, so a session no request reached for
 * server.session_idle_seconds is closed. With state.driver "redis" a session this server holds
 * may be in use through another server of the team (its client moved there, perhaps while a call
 * still runs here): that server touches the session's record, and the record's last-seen time
 * counts too.
 */
import type { Server } from "@modelcontextprotocol/server";
import type { SessionRecord, SessionTeam } from "./session-team.ts";

export interface IdleSession {
  lastSeen: number;
  server: Server;
  shared?: { record: SessionRecord };
}

/** Checks `sessions` every min(60 s, idleMs) and closes those idle for `idleMs`; the result stops it. */
export function evictIdleSessions(sessions: Map<string, IdleSession>, idleMs: number, team: SessionTeam | undefined): () => void {
  function evict(id: string, session: IdleSession): void {
    if (sessions.get(id) !== session) return;
    sessions.delete(id);
    void session.server.close().catch(() => {});
  }

  async function evictUnlessUsedElsewhere(id: string, session: IdleSession, cutoff: number): Promise<void> {
    const record = await team?.load(id).catch(() => undefined);
    const seen = record ? Date.parse(record.lastSeen) : 0;
    if (seen >= cutoff) session.lastSeen = seen;
    else evict(id, session);
  }

  const timer = setInterval(
    () => {
      const cutoff = Date.now() - idleMs;
      for (const [id, session] of sessions) {
        if (session.lastSeen >= cutoff) continue;
        if (session.shared) void evictUnlessUsedElsewhere(id, session, cutoff);
        else evict(id, session);
      }
    },
    Math.min(60_000, idleMs),
  );
  (timer as { unref?: () => void }).unref?.();
  return () => clearInterval(timer);
}
