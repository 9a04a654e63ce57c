/**
 * The event store in Redis (state.driver "redis"): a session's events in one shared log, so a
 * client whose stream dropped can resume on any server of the team. Bounded like the memory
 * store (server.resume_events, server.resume_seconds, judged by Redis's clock). Each call's
 * record (`resume:<session>:call:<stream>`: the request ids it answers, the server running it,
 * its answers' places) lives as long as the session, so a resume after the events expired still
 * learns which call it lost, and a server following a call run elsewhere knows when it ends.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { JSONRPCMessage } from "@modelcontextprotocol/server";
import type { LogEntry, LogTail, SharedLogs } from "../state/index.ts";
import { eventIdOf, isAnswer, isPriming, parseEventId, type ResumeRetention, type SessionEventStore } from "./event-store.ts";

type RequestId = string | number;

/** The SDK's stream ids: UUIDs, and `_GET_stream` for the session's GET stream. */
const STREAM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** A call's record in Redis: its request ids (a batch has several), where it runs, where its answers are. */
export interface CallRecord {
  ids: RequestId[];
  /** The id of the server running it (session-team.ts keeps its lease). */
  server: string;
  answers: Array<{ id: RequestId; entry: string }>;
}

/** An event read back from the shared log. */
export interface SharedEvent {
  eventId: string;
  streamId: string;
  message: JSONRPCMessage;
}

/** The Redis store, plus what a server following a call run elsewhere reads (session-follow.ts). */
export interface SharedEventStore extends SessionEventStore {
  call(streamId: string): Promise<CallRecord | undefined>;
  /** Events of every stream after `eventId`'s place in the log, oldest first. */
  after(eventId: string): Promise<SharedEvent[]>;
  /** Waits for events after `eventId`; close the reader when done. */
  tail(): { next(eventId: string, blockMs: number): Promise<SharedEvent[]>; close(): void };
  /**
   * Answers every request of this process's unfinished calls with an error saying `message`: the
   * session closed under them here, so they will never answer, and a server following one for a
   * resumed client would otherwise wait for ever.
   */
  abandon(message: string): Promise<void>;
}

export interface RedisEventStoreOptions {
  logs: SharedLogs;
  sessionId: string;
  retention: ResumeRetention;
  /** This server's id in the team (its lease). */
  server: string;
  /** How long a call's record is kept after its last change: the session's idle time. */
  callTtlMs: number;
}

/**
 * The request ids of the POST being handled. The SDK stores a new stream's priming event before
 * it hands the request on, and tells the store only the stream's id; the endpoint runs the POST
 * inside this context so the store can record which requests the stream answers.
 */
const postedRequests = new AsyncLocalStorage<RequestId[]>();

/** Runs `handle` (the transport's handling of a POST) with the request ids it carries known to the store. */
export function withPostedRequests<T>(body: unknown, handle: () => T): T {
  const messages = Array.isArray(body) ? body : [body];
  const ids = messages.flatMap((message) => {
    const { id, method } = (message ?? {}) as { id?: unknown; method?: unknown };
    return typeof method === "string" && (typeof id === "string" || typeof id === "number") ? [id] : [];
  });
  return ids.length > 0 ? postedRequests.run(ids, handle) : handle();
}

export function createRedisEventStore(options: RedisEventStoreOptions): SharedEventStore {
  const { logs, sessionId, retention, server, callTtlMs } = options;
  const eventsLog = `resume:${sessionId}:events`;
  const callKey = (streamId: string) => `resume:${sessionId}:call:${streamId}`;
  /** The calls this process answers and has not finished: their records, kept here to update without a read. */
  const calls = new Map<string, CallRecord>();

  const append = (streamId: string, message: JSONRPCMessage) =>
    logs.append(eventsLog, { stream: streamId, message: JSON.stringify(message) }, { maxEntries: retention.maxEvents, maxAgeMs: retention.maxAgeMs });
  const eventOf = (entry: LogEntry): SharedEvent => ({
    eventId: eventIdOf(entry.fields.stream ?? "", entry.id),
    streamId: entry.fields.stream ?? "",
    message: JSON.parse(entry.fields.message ?? "{}") as JSONRPCMessage,
  });
  const kept = async (eventId: string) => {
    const parsed = parseEventId(eventId);
    const entry = parsed && (await logs.entry(eventsLog, parsed.position, retention.maxAgeMs));
    return entry && entry.fields.stream === parsed.streamId ? parsed : undefined;
  };
  const after = async (eventId: string) => {
    const position = parseEventId(eventId)?.position;
    return position ? (await logs.after(eventsLog, position)).map(eventOf) : [];
  };

  async function record(streamId: string, message: JSONRPCMessage, entry: string): Promise<void> {
    let call = calls.get(streamId);
    const ids = postedRequests.getStore();
    if (!call && isPriming(message) && ids) {
      call = { ids, server, answers: [] };
      calls.set(streamId, call);
    } else if (call && isAnswer(message)) {
      call.answers.push({ id: message.id, entry });
      if (call.answers.length >= call.ids.length) calls.delete(streamId);
    } else return;
    await logs.setValue(callKey(streamId), JSON.stringify(call), callTtlMs);
  }

  return {
    async storeEvent(streamId, message) {
      const entry = await append(streamId, message);
      await record(streamId, message, entry);
      return eventIdOf(streamId, entry);
    },
    async canResume(eventId) {
      return (await kept(eventId)) !== undefined;
    },
    answeredHere(eventId) {
      // A stream without a call record (the GET stream, an unknown id) still goes to the transport: see session-follow.ts.
      const streamId = parseEventId(eventId)?.streamId;
      return streamId === undefined || calls.has(streamId);
    },
    async primeAgain(eventId) {
      const streamId = parseEventId(eventId)?.streamId ?? eventId;
      return eventIdOf(streamId, await append(streamId, {} as JSONRPCMessage));
    },
    async call(streamId) {
      // A stream id comes back in a client's Last-Event-ID: one the SDK never makes names no call.
      if (!STREAM_ID_PATTERN.test(streamId)) return undefined;
      const text = await logs.getValue(callKey(streamId));
      return text === undefined ? undefined : (JSON.parse(text) as CallRecord);
    },
    async answersOf(eventId) {
      const streamId = parseEventId(eventId)?.streamId ?? eventId;
      const answers = (await this.call(streamId))?.answers ?? [];
      return Promise.all(
        answers.map(async ({ id, entry }) => {
          const kept = await logs.entry(eventsLog, entry, retention.maxAgeMs);
          return kept ? { answer: eventOf(kept).message } : { lostId: id };
        }),
      );
    },
    async replayEventsAfter(lastEventId, { send }) {
      const place = await kept(lastEventId);
      if (!place) throw new Error(`event ${lastEventId} expired`);
      for (const event of await after(lastEventId)) {
        if (event.streamId === place.streamId && !isPriming(event.message)) await send(event.eventId, event.message);
      }
      return place.streamId;
    },
    after,
    async abandon(message) {
      for (const [streamId, call] of [...calls]) {
        for (const id of call.ids.filter((id) => !call.answers.some((answer) => answer.id === id))) {
          await this.storeEvent(streamId, { jsonrpc: "2.0", id, error: { code: -32000, message } });
        }
      }
    },
    tail() {
      const reader: LogTail = logs.tail();
      return {
        async next(eventId, blockMs) {
          const position = parseEventId(eventId)?.position;
          return position ? (await reader.next(eventsLog, position, blockMs)).map(eventOf) : [];
        },
        close: () => reader.close(),
      };
    },
  };
}
