/**
 * The team's shared view of 2025-era HTTP sessions (state.driver "redis"): each server's lease,
 * so a server following a call that runs elsewhere learns when that server died, and each
 * session's record, so another server of the team recognises the session id and re-creates the
 * session for the same caller. A record holds no token: its identity is the principal
 * (`operator`, `local`, `agent:NAME@NS`) or an OAuth grant's key (`oauth:<grant>`), and a request
 * with that session id must authenticate as that same identity on whichever server it reaches.
 */
import type { LoggingLevel } from "@modelcontextprotocol/server";
import { type SessionState, TOOL_MODES, type ToolMode } from "../mcp/index.ts";
import type { SharedLogs } from "../state/index.ts";

/** A server's lease lasts this long after its last renewal: how long a call of a killed server can look alive. */
const SERVER_LEASE_MS = 5000;
const LEASE_RENEWAL_MS = 1000;

export interface SessionRecord {
  id: string;
  /** Who opened it; only a request authenticated as this identity may use the session. */
  identity: string;
  /** The initialize request's params, replayed to re-create the session: protocol version, client capabilities and info. */
  initialize: Record<string, unknown>;
  /** The tool mode the session switched to, if it did: another server opens it in that mode. */
  mode?: ToolMode;
  /** The session's public name (`client_ref`): jobs it started carry it, and it stays the same on every server. */
  clientRef?: string;
  /** The level the client set with `logging/setLevel`, if it did: another server filters its log lines the same. */
  logLevel?: LoggingLevel;
  createdAt: string;
  lastSeen: string;
}

export interface SessionTeam {
  /** This server's id: the `server` of the calls it runs. */
  readonly server: string;
  readonly logs: SharedLogs;
  save(record: SessionRecord): Promise<void>;
  /** The record of `id`, when a server of the team opened it and it did not expire. */
  load(id: string): Promise<SessionRecord | undefined>;
  /** Keeps the record from expiring while the session is used; writes at most every tenth of the idle time. */
  touch(record: SessionRecord): Promise<void>;
  remove(id: string): Promise<void>;
  /** Whether the server `server` renewed its lease lately. */
  alive(server: string): Promise<boolean>;
  close(): Promise<void>;
}

/** Session ids this team's servers hand out (the SDK's UUIDs); anything else names no session. */
const SESSION_ID_PATTERN = /^[0-9a-f-]{36}$/;

function isTeamSessionId(id: string): boolean {
  return SESSION_ID_PATTERN.test(id);
}

export function createSessionTeam(logs: SharedLogs, options: { sessionIdleMs: number }): SessionTeam {
  const server = crypto.randomUUID();
  const leaseKey = (id: string) => `resume-server:${id}`;
  const recordKey = (id: string) => `session:${id}`;
  const renew = () => logs.setValue(leaseKey(server), "1", SERVER_LEASE_MS).catch(() => undefined);
  void renew();
  const renewal = setInterval(renew, LEASE_RENEWAL_MS);
  (renewal as { unref?: () => void }).unref?.();
  // `touch` rewrites the record at most every tenth of the idle time, so it lives that much longer than the idle time:
  // a record written a tenth ago still outlives the session on the server holding it.
  const touchEveryMs = options.sessionIdleMs / 10;
  const save = (record: SessionRecord) => logs.setValue(recordKey(record.id), JSON.stringify(record), options.sessionIdleMs + touchEveryMs);

  return {
    server,
    logs,
    save,
    async load(id) {
      if (!isTeamSessionId(id)) return undefined;
      const text = await logs.getValue(recordKey(id));
      return text === undefined ? undefined : (JSON.parse(text) as SessionRecord);
    },
    async touch(record) {
      const now = Date.now();
      if (now - Date.parse(record.lastSeen) < touchEveryMs) return;
      record.lastSeen = new Date(now).toISOString();
      await save(record);
    },
    remove: (id) => logs.deleteValue(recordKey(id)),
    async alive(id) {
      return (await logs.getValue(leaseKey(id))) !== undefined;
    },
    async close() {
      clearInterval(renewal);
      // A clean stop ends the lease at once: a server following one of our calls answers it now.
      await logs.deleteValue(leaseKey(server)).catch(() => undefined);
    },
  };
}

/** The session as it was on the server that opened it: its `client_ref` and the mode it switched to. */
export function restoreFromRecord(opened: SessionState, record: SessionRecord): SessionState {
  const state = record.clientRef ? { ...opened, clientRef: record.clientRef } : opened;
  if (record.mode && TOOL_MODES.includes(record.mode)) {
    state.mode = record.mode;
    state.modeIsDefault = false;
  }
  return state;
}

/**
 * A mode switch is written to the session's record, so another server of the team re-creates the
 * session in that mode. The result applies a newer copy of the record, read at a request: a
 * switch made through another server holding the same session holds here too.
 */
export function keepModeInRecord(state: SessionState, record: SessionRecord, team: SessionTeam): (latest: SessionRecord) => void {
  const announce = state.onModeChange;
  state.onModeChange = () => {
    announce?.();
    record.mode = state.mode;
    void team.save(record).catch(() => undefined);
  };
  return (latest) => {
    if (latest.logLevel) record.logLevel = latest.logLevel;
    if (!latest.mode || latest.mode === state.mode || !TOOL_MODES.includes(latest.mode)) return;
    state.mode = latest.mode;
    state.modeIsDefault = false;
    record.mode = latest.mode;
    // The client's tool list changed: it hears so from this copy too; the record already says it.
    announce?.();
  };
}

const LOGGING_LEVELS: readonly string[] = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];

/** A `logging/setLevel` among the posted messages is written to the session's record, for the servers that adopt the session later. */
function keepLoggingLevelInRecord(body: unknown, record: SessionRecord, team: SessionTeam): void {
  for (const message of [body].flat()) {
    const { method, params } = (message ?? {}) as { method?: unknown; params?: { level?: unknown } };
    const level = params?.level;
    if (method !== "logging/setLevel" || typeof level !== "string" || !LOGGING_LEVELS.includes(level)) continue;
    record.logLevel = level as LoggingLevel;
    void team.save(record).catch(() => undefined);
  }
}

/**
 * At each request of a shared session: a newer record (a mode switch made through another server
 * holding the session) applies here first, a posted `logging/setLevel` is recorded, and the record
 * is kept from expiring. One Redis read per request, so the switch holds on the very next one.
 */
export async function followSharedRecord(
  team: SessionTeam,
  shared: { record: SessionRecord; followRecord: (latest: SessionRecord) => void },
  body: unknown,
): Promise<void> {
  const latest = await team.load(shared.record.id).catch(() => undefined);
  if (latest) shared.followRecord(latest);
  keepLoggingLevelInRecord(body, shared.record, team);
  void team.touch(shared.record).catch(() => undefined);
}
