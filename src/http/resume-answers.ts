/**
 * What a resumed 2025-era stream starts with, and the answer to a resume that came too late
 * (server.resume_events, server.resume_seconds): the two things about resuming the SDK leaves to us.
 */
import type { JSONRPCMessage } from "@modelcontextprotocol/server";
import type { StreamAnswer } from "./event-store.ts";
import { rpcErrorResponse } from "./responses.ts";
import { withSsePrefix } from "./sse-flush.ts";

/** The SSE `retry` hint: how long a client waits before resuming a stream the server closed. */
export const RESUME_RETRY_MS = 1000;

/**
 * A resume from an event the session no longer keeps is answered at once: with each answer the
 * stream held (a batch's stream holds several) while that is still kept, with an error answer for
 * its request once it expired too (so the client's pending calls fail now, not at their timeout),
 * or 410 when the stream held no answer.
 */
export function expiredResume(settings: { resume_events: number; resume_seconds: number }, found: StreamAnswer[]): Response {
  const message =
    `the events after this Last-Event-ID expired (a session keeps its last ${settings.resume_events} events for ${settings.resume_seconds} seconds: ` +
    "server.resume_events, server.resume_seconds); call the tool again, and for a job read its result with codex_get_result";
  if (found.length === 0) return rpcErrorResponse(410, -32000, `Gone: ${message}`);
  const answers = found.map(
    (each): JSONRPCMessage =>
      "answer" in each ? each.answer : { jsonrpc: "2.0", id: each.lostId, error: { code: -32000, message: `The answer to this call is gone: ${message}` } },
  );
  return new Response(answers.map((answer) => `event: message\ndata: ${JSON.stringify(answer)}\n\n`).join(""), {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

/**
 * A resumed stream starts with a priming event of its own (and the retry hint). SDK clients keep
 * a resumption token per stream, from that stream's own events only: a resumed stream the server
 * closes again before any event (server.sse_poll_seconds) would otherwise leave the client
 * resuming from nothing, and lose the call. The replayed events follow with their older ids, so
 * the client's token ends at the last event it really saw.
 */
export function primeResumed(response: Response, primingId: string): Response {
  if (!response.ok) return response;
  return withSsePrefix(response, new TextEncoder().encode(`id: ${primingId}\nretry: ${RESUME_RETRY_MS}\ndata: \n\n`));
}
