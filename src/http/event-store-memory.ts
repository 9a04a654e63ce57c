/** The in-memory event store: one session's events in this server's memory (the fs state driver). */
import type { JSONRPCMessage } from "@modelcontextprotocol/server";
import { eventIdOf, isAnswer, isPriming, parseEventId, type ResumeRetention, type SessionEventStore } from "./event-store.ts";

interface StoredEvent {
  id: string;
  streamId: string;
  message: JSONRPCMessage;
  at: number;
}

/**
 * An in-memory store for one session. It leaves out the EventStore's optional
 * getStreamIdForEventId on purpose: with it the SDK refuses a resume (409) while the dropped
 * connection still looks open to the server, which it can for a while after a tunnel died;
 * without it the newest resume takes the stream over.
 */
export function createMemoryEventStore(retention: ResumeRetention, now: () => number = Date.now): SessionEventStore {
  const events: StoredEvent[] = [];
  /** Stream → the request ids of its expired answers; bounded like the events, oldest stream first out. */
  const lostAnswers = new Map<string, Array<string | number>>();
  let sequence = 0;

  function expire(): void {
    const cutoff = now() - retention.maxAgeMs;
    let drop = Math.max(0, events.length - retention.maxEvents);
    while (drop < events.length && events[drop]!.at < cutoff) drop++;
    if (drop === 0) return;
    for (const { streamId, message } of events.splice(0, drop)) {
      if (isAnswer(message)) lostAnswers.set(streamId, [...(lostAnswers.get(streamId) ?? []), message.id]);
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
    async answersOf(eventId) {
      expire();
      const streamId = parseEventId(eventId)?.streamId ?? eventId;
      const lost = (lostAnswers.get(streamId) ?? []).map((lostId) => ({ lostId }));
      const kept = events.filter((event) => event.streamId === streamId && isAnswer(event.message)).map((event) => ({ answer: event.message }));
      return [...lost, ...kept];
    },
    answeredHere: () => true,
    primeAgain(eventId) {
      return this.storeEvent(parseEventId(eventId)?.streamId ?? eventId, {} as JSONRPCMessage);
    },
    async replayEventsAfter(lastEventId, { send }) {
      const from = indexOf(lastEventId);
      const streamId = parseEventId(lastEventId)?.streamId;
      if (from === -1 || !streamId) throw new Error(`event ${lastEventId} expired`);
      for (const event of events.slice(from + 1)) {
        if (event.streamId === streamId && !isPriming(event.message)) await send(event.id, event.message);
      }
      return streamId;
    },
  };
}
