/**
 * The live views' server-sent events: the page opens one stream and never polls. The server
 * reads the board again every `intervalMs` and sends a `state` event only when the snapshot
 * changed (a comment now and then keeps proxies from closing a quiet stream). Streams sharing a
 * filter share one reading, so ten open tabs cost what one does.
 */
import { type BoardSources, type BoardState, snapshot } from "./snapshot.ts";

const encoder = new TextEncoder();
const KEEPALIVE_MS = 15_000;

interface Feed {
  listeners: Set<(event: string) => void>;
  last?: string;
  timer?: ReturnType<typeof setInterval>;
  reading?: Promise<void>;
}

export interface BoardEvents {
  /** The SSE response for one page, filtered to `repo` when given. */
  stream(repo: string | undefined, signal: AbortSignal): Response;
  close(): void;
}

export function boardEvents(sources: BoardSources, intervalMs: number, onError: (error: Error) => void): BoardEvents {
  const feeds = new Map<string, Feed>();
  const open = new Set<() => void>();

  function refresh(key: string, feed: Feed): Promise<void> {
    feed.reading ??= snapshot(sources, key || undefined)
      .then((state: BoardState) => {
        const text = JSON.stringify(state);
        if (text === feed.last) return;
        feed.last = text;
        for (const listener of feed.listeners) listener(`event: state\ndata: ${text}\n\n`);
      })
      .catch(onError)
      .finally(() => (feed.reading = undefined));
    return feed.reading;
  }

  function subscribe(key: string, listener: (event: string) => void): () => void {
    let feed = feeds.get(key);
    if (!feed) {
      const created: Feed = { listeners: new Set() };
      created.timer = setInterval(() => void refresh(key, created), intervalMs);
      feeds.set(key, created);
      feed = created;
    }
    feed.listeners.add(listener);
    if (feed.last) listener(`event: state\ndata: ${feed.last}\n\n`);
    else void refresh(key, feed);
    const own = feed;
    return () => {
      own.listeners.delete(listener);
      if (own.listeners.size > 0) return;
      clearInterval(own.timer);
      feeds.delete(key);
    };
  }

  return {
    stream(repo, signal) {
      let stop = () => {};
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          const send = (event: string) => controller.enqueue(encoder.encode(event));
          send(": board\n\n");
          const unsubscribe = subscribe(repo ?? "", send);
          const keepalive = setInterval(() => send(": keepalive\n\n"), KEEPALIVE_MS);
          stop = () => {
            clearInterval(keepalive);
            unsubscribe();
            open.delete(end);
          };
          const end = () => {
            stop();
            controller.close();
          };
          open.add(end);
          signal.addEventListener("abort", end);
        },
        cancel: () => stop(),
      });
      return new Response(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-store", "x-content-type-options": "nosniff" } });
    },
    close() {
      for (const end of open) end();
      for (const feed of feeds.values()) clearInterval(feed.timer);
      feeds.clear();
    },
  };
}
