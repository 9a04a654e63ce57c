/**
 * A resumed stream whose call this server is not answering (state.driver "redis"): the call runs
 * on another server of the team, or ended. The stream is read from the shared log: what the
 * client missed, then each new event as it is stored, until every request of the call has its
 * answer, which the client receives once (the server running the call no longer has the client's
 * connection). If that server's lease expires first, it died: the call cannot finish, and each
 * unanswered request gets an error answer saying what to do, instead of a stream that never ends.
 */
import type { JSONRPCMessage } from "@modelcontextprotocol/server";
import { isAnswer, isPriming, parseEventId } from "./event-store.ts";
import type { CallRecord, SharedEvent, SharedEventStore } from "./event-store-redis.ts";
import type { SessionTeam } from "./session-team.ts";

/** How long one wait for new events lasts: also how often the running server's lease is checked. */
const WAIT_MS = 1000;
/** An SSE comment after this long without an event, like the SDK's own keep-alive. */
const KEEP_ALIVE_MS = 15_000;

const SERVER_GONE_MESSAGE =
  "The patchbay server running this call stopped before answering (its lease in the team's Redis expired), so the call cannot finish: " +
  "call the tool again; a job it started may still be recorded, check it with codex_get_status or codex_get_result";

export interface FollowOptions {
  store: SharedEventStore;
  team: SessionTeam;
  lastEventId: string;
  /** The resumed stream's own priming event (already stored) and the retry hint it carries. */
  primingId: string;
  retryMs: number;
  sessionId: string;
  /** server.sse_poll_seconds in ms (0: never): the stream is closed after this long and the client resumes it, as on the server running the call. */
  pollMs: number;
}

/** Compares two Redis entry ids (`<ms>-<seq>`). */
function entryOrder(a: string, b: string): number {
  const [am = 0, as = 0] = a.split("-").map(Number);
  const [bm = 0, bs = 0] = b.split("-").map(Number);
  return am - bm || as - bs;
}

/** The requests of the call the client has not seen answered: those answered after its place, or not yet. */
function unanswered(call: CallRecord, position: string): Set<string | number> {
  const seen = call.answers.filter((answer) => entryOrder(answer.entry, position) <= 0).map((answer) => answer.id);
  return new Set(call.ids.filter((id) => !seen.includes(id)));
}

/** The SSE response following the call of `lastEventId`'s stream; undefined when no call record names it (the transport decides then). */
export async function followCall(options: FollowOptions): Promise<Response | undefined> {
  const { store, team, lastEventId } = options;
  const place = parseEventId(lastEventId);
  const call = place && (await store.call(place.streamId));
  if (!place || !call) return undefined;
  const { streamId, position } = place;
  const runningOn = call.server;
  const pending = unanswered(call, position);
  const encoder = new TextEncoder();
  const reader = store.tail();
  let stopped = false;

  async function run(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    const write = (text: string) => controller.enqueue(encoder.encode(text));
    const deliver = (events: SharedEvent[]) => {
      for (const event of events) {
        if (event.streamId !== streamId || isPriming(event.message)) continue;
        write(`event: message\nid: ${event.eventId}\ndata: ${JSON.stringify(event.message)}\n\n`);
        if (isAnswer(event.message)) pending.delete(event.message.id);
      }
    };
    write(`id: ${options.primingId}\nretry: ${options.retryMs}\ndata: \n\n`);
    try {
      let last = lastEventId;
      const openedAt = Date.now();
      let quietSince = openedAt;
      let events = await store.after(last);
      while (!stopped && pending.size > 0) {
        deliver(events);
        last = events.at(-1)?.eventId ?? last;
        if (pending.size === 0 || (options.pollMs > 0 && Date.now() - openedAt >= options.pollMs)) break;
        if (events.length > 0) quietSince = Date.now();
        else if (Date.now() - quietSince >= KEEP_ALIVE_MS) {
          write(": keepalive\n\n");
          quietSince = Date.now();
        }
        if (events.length === 0 && !(await team.alive(runningOn))) {
          // Its last events may have landed after the wait ended: read them before judging.
          deliver(await store.after(last));
          for (const id of pending) write(`event: message\ndata: ${JSON.stringify(serverGone(id))}\n\n`);
          break;
        }
        events = await reader.next(last, WAIT_MS);
      }
    } catch {
      // Redis went away or the client left: the stream ends, and a client still waiting resumes it.
    } finally {
      reader.close();
      if (!stopped) controller.close();
    }
  }

  const body = new ReadableStream<Uint8Array>({
    // The loop runs beside the stream, not inside start(): each event is sent as it is enqueued.
    start(controller) {
      void run(controller);
    },
    cancel() {
      stopped = true;
      reader.close();
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
      "mcp-session-id": options.sessionId,
    },
  });
}

function serverGone(id: string | number): JSONRPCMessage {
  return { jsonrpc: "2.0", id, error: { code: -32000, message: SERVER_GONE_MESSAGE } };
}
