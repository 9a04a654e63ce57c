/** The in-memory event store: one session's events in this server's memory (the fs state driver). */
import type { JSONRPCMessage } from "@modelcontextprotocol/server";
import { eventIdOf, isAnswer, isPriming, parseEventId, type ResumeRetention, type SessionEventStore } from "./event-store.ts";

interface StoredEvent {
  id: string;
  sequence: number;
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
  /**
   * The kept events are `events[first..]`, in sequence order with no gaps, so an event id's
   * sequence gives its place. Expiry moves `first` on; the dropped prefix is cut off only once
   * it is as long as what is kept, so a store at its bound does not shift every event per event.
   */
  const events: StoredEvent[] = [];
  let first = 0;
  /** Stream → the request ids of its expired answers; bounded like the events, oldest stream first out. */
  const lostAnswers = new Map<string, Array<string | number>>();
  let sequence = 0;

  function expire(): void {
    const cutoff = now() - retention.maxAgeMs;
    let drop = Math.max(first, events.length - retention.maxEvents);
    while (drop < events.length && events[drop]!.at < cutoff) drop++;
    if (drop === first) return;
    for (let i = first; i < drop; i++) {
      const { streamId, message } = events[i]!;
      if (isAnswer(message)) lostAnswers.set(streamId, [...(lostAnswers.get(streamId) ?? []), message.id]);
    }
    first = drop;
    if (first * 2 >= events.length) {
      events.splice(0, first);
      first = 0;
    }
    for (const streamId of lostAnswers.keys()) {
      if (lostAnswers.size <= retention.maxEvents) break;
      lostAnswers.delete(streamId);
    }
  }

  /** The place of a kept event in `events`, or -1. */
  function indexOf(eventId: string): number {
    expire();
    const oldest = events[first];
    const index = oldest ? first + Number(parseEventId(eventId)?.position) - oldest.sequence : -1;
    return Number.isInteger(index) && index >= first && events[index]?.id === eventId ? index : -1;
  }

  return {
    async storeEvent(streamId, message) {
      const id = eventIdOf(streamId, ++sequence);
      events.push({ id, sequence, streamId, message, at: now() });
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
      const answers = events
        .slice(first)
        .filter((event) => event.streamId === streamId && isAnswer(event.message))
        .map((event) => ({ answer: event.message }));
      return [...lost, ...answers];
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
