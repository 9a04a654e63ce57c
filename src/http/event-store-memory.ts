/**
 * The events of one 2025-era session's SSE streams, kept so a client whose stream dropped can
 * resume with `Last-Event-ID` and receive what it missed, the call's result included (the SDK's
 * transport stores every event it sends here and replays from here). Bounded: the newest
 * `maxEvents` events of the session, none older than `maxAgeMs`.
 */
import type { EventStore, JSONRPCMessage } from "@modelcontextprotocol/server";

export interface ResumeRetention {
  /** Events kept per session (server.resume_events); the oldest go first. */
  maxEvents: number;
  /** An event older than this is gone (server.resume_seconds). */
  maxAgeMs: number;
}

/** The SDK's EventStore, plus whether a client's `Last-Event-ID` can still be resumed from. */
export interface SessionEventStore extends EventStore {
  /** False when the event expired (or never was): the transport would have nothing to replay after it. */
  canResume(eventId: string): Promise<boolean>;
  /**
   * Stores a new priming event on the stream of `eventId` and returns its id: a resumed stream
   * starts with it, so the client's next resume starts from now. Resuming from the first
   * priming event again and again would expire during a call longer than server.resume_seconds.
   */
  primeAgain(eventId: string): Promise<string>;
  /**
   * The answer on the stream of `eventId`, for a client resuming from an event that expired:
   * the answer itself while it is kept, else the id of the call it answered (it expired too).
   */
  answerOf(eventId: string): Promise<{ answer: JSONRPCMessage } | { lostId: string | number } | undefined>;
}

interface StoredEvent {
  id: string;
  streamId: string;
  message: JSONRPCMessage;
  at: number;
}

/** `<streamId>:<sequence>`: the stream is read back from the id, the sequence orders replays. */
function eventIdOf(streamId: string, sequence: number): string {
  return `${streamId}:${sequence}`;
}

function parseEventId(eventId: string): { streamId: string; sequence: number } | undefined {
  const colon = eventId.lastIndexOf(":");
  const sequence = Number(eventId.slice(colon + 1));
  if (colon <= 0 || !Number.isSafeInteger(sequence)) return undefined;
  return { streamId: eventId.slice(0, colon), sequence };
}

function isAnswer(message: JSONRPCMessage): message is JSONRPCMessage & { id: string | number } {
  return "id" in message && ("result" in message || "error" in message) && (typeof message.id === "string" || typeof message.id === "number");
}

/**
 * An in-memory store for one session. It leaves out the EventStore's optional
 * getStreamIdForEventId on purpose: with it the SDK refuses a resume (409) while the dropped
 * connection still looks open to the server, which it can for a while after a tunnel died;
 * without it the newest resume takes the stream over.
 */
export function createMemoryEventStore(retention: ResumeRetention, now: () => number = Date.now): SessionEventStore {
  const events: StoredEvent[] = [];
  /** Stream → the id of its expired answer; bounded like the events, oldest first out. */
  const lostAnswers = new Map<string, string | number>();
  let sequence = 0;

  function expire(): void {
    const cutoff = now() - retention.maxAgeMs;
    let drop = Math.max(0, events.length - retention.maxEvents);
    while (drop < events.length && events[drop]!.at < cutoff) drop++;
    for (const { streamId, message } of events.splice(0, drop)) {
      if (isAnswer(message)) lostAnswers.set(streamId, message.id);
    }
    for (const streamId of lostAnswers.keys()) {
      if (lostAnswers.size <= retention.maxEvents) break;
      lostAnswers.delete(streamId);
    }
  }

  function indexOf(eventId: string): number {
    expire();
    return events.findIndex((event) => event.id === eventId);
  }

  return {
    async storeEvent(streamId, message) {
      const id = eventIdOf(streamId, ++sequence);
      events.push({ id, streamId, message, at: now() });
      expire();
      return id;
    },
    async canResume(eventId) {
      return indexOf(eventId) !== -1;
    },
    async answerOf(eventId) {
      expire();
      const streamId = parseEventId(eventId)?.streamId ?? eventId;
      const kept = events.find((event) => event.streamId === streamId && isAnswer(event.message));
      if (kept) return { answer: kept.message };
      const lostId = lostAnswers.get(streamId);
      return lostId === undefined ? undefined : { lostId };
    },
    primeAgain(eventId) {
      return this.storeEvent(parseEventId(eventId)?.streamId ?? eventId, {} as JSONRPCMessage);
    },
    async replayEventsAfter(lastEventId, { send }) {
      const from = indexOf(lastEventId);
      const streamId = parseEventId(lastEventId)?.streamId;
      if (from === -1 || !streamId) throw new Error(`event ${lastEventId} expired`);
      for (const event of events.slice(from + 1)) {
        // The priming event ({}) only marks a stream's start; a client has nothing to read in it.
        if (event.streamId === streamId && Object.keys(event.message).length > 0) await send(event.id, event.message);
      }
      return streamId;
    },
  };
}
