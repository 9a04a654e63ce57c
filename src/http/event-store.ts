/**
 * The events of one 2025-era session's SSE streams, kept so a client whose stream dropped can
 * resume with `Last-Event-ID` and receive what it missed, the call's result included (the SDK's
 * transport stores every event it sends here and replays from here). Bounded: the newest
 * `maxEvents` events of the session, none older than `maxAgeMs`. Two stores: in this server's
 * memory (event-store-memory.ts), or in Redis with state.driver "redis" (event-store-redis.ts),
 * where every server of the team can replay them.
 */
import type { EventStore, JSONRPCMessage } from "@modelcontextprotocol/server";

export interface ResumeRetention {
  /** Events kept per session (server.resume_events); the oldest go first. */
  maxEvents: number;
  /** An event older than this is gone (server.resume_seconds). */
  maxAgeMs: number;
}

/** An answer a stream held: the message while kept, else the id of the request it answered. */
export type StreamAnswer = { answer: JSONRPCMessage } | { lostId: string | number };

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
   * The answers on the stream of `eventId` (a batch's stream has several), oldest first, for a
   * client resuming from an event that expired: each answer while it is kept, else the id of
   * the request it answered (it expired too). None when the stream holds no answer.
   */
  answersOf(eventId: string): Promise<StreamAnswer[]>;
  /**
   * False when the stream of `eventId` is a call this process is not answering (another server
   * of the team runs it, or it ended): its events are then read from the shared store, not the
   * SDK transport. Always true in memory, where every stream is this process's.
   */
  answeredHere(eventId: string): boolean;
}

/** `<streamId>:<position>`: the stream is read back from the id, the position orders replays. */
export function eventIdOf(streamId: string, position: string | number): string {
  return `${streamId}:${position}`;
}

export function parseEventId(eventId: string): { streamId: string; position: string } | undefined {
  const colon = eventId.lastIndexOf(":");
  if (colon <= 0 || colon === eventId.length - 1) return undefined;
  return { streamId: eventId.slice(0, colon), position: eventId.slice(colon + 1) };
}

/** The priming event ({}) only marks a stream's start; a client has nothing to read in it. */
export function isPriming(message: JSONRPCMessage): boolean {
  return Object.keys(message).length === 0;
}

export function isAnswer(message: JSONRPCMessage): message is JSONRPCMessage & { id: string | number } {
  return "id" in message && ("result" in message || "error" in message) && (typeof message.id === "string" || typeof message.id === "number");
}
