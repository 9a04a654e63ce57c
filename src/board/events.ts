/**
 * The live views' server-sent events: the page opens one stream and never polls. The server reads
 * the board again when the state says it changed (`BoardSources.changes`: tool calls, job and
 * worker turns, bans) and sends a `state` event only when the snapshot differs. What changes
 * without an event (presence ageing, a turn's progress lines) is caught by a slow re-read every
 * `fallbackMs`. Streams sharing a filter share one reading, so ten open tabs cost what one does.
 */
import { type BoardSources, type BoardState, snapshot } from "./snapshot.ts";

const encoder = new TextEncoder();
const KEEPALIVE_MS = 15_000;
/** Changes in a burst (a host making many calls, a call and the job it starts) become one reading this long after the first. */
const COALESCE_MS = 250;
/** One more reading this long after the last change, for what the state writes just after its event (a run's next phase after its job ended). */
const SETTLE_MS = 1000;

interface Feed {
  listeners: Set<(event: string) => void>;
  last?: string;
  fallback?: ReturnType<typeof setInterval>;
  soon?: ReturnType<typeof setTimeout>;
  settle?: ReturnType<typeof setTimeout>;
  reading?: Promise<void>;
  /** A change came in during a reading, which may have missed it: read once more after it. */
  again?: boolean;
}

export interface BoardEvents {
  /** The SSE response for one page, filtered to `repo` when given. */
  stream(repo: string | undefined, signal: AbortSignal): Response;
  close(): void;
}

export function boardEvents(sources: BoardSources, fallbackMs: number, onError: (error: Error) => void): BoardEvents {
  const feeds = new Map<string, Feed>();
  const open = new Set<() => void>();

  function refresh(key: string, feed: Feed): Promise<void> {
    if (feed.reading) {
      feed.again = true;
      return feed.reading;
    }
    feed.reading = snapshot(sources, key || undefined)
      .then((state: BoardState) => {
        const text = JSON.stringify(state);
        if (text === feed.last) return;
        feed.last = text;
        for (const listener of feed.listeners) listener(`event: state\ndata: ${text}\n\n`);
      })
      .catch(onError)
      .finally(() => {
        feed.reading = undefined;
        if (!feed.again || feeds.get(key) !== feed) return;
        feed.again = false;
        void refresh(key, feed);
      });
    return feed.reading;
  }

  function changed(): void {
    for (const [key, feed] of feeds) {
      feed.soon ??= setTimeout(() => {
        feed.soon = undefined;
        void refresh(key, feed);
      }, COALESCE_MS);
      clearTimeout(feed.settle);
      feed.settle = setTimeout(() => void refresh(key, feed), SETTLE_MS);
    }
  }
  const unsubscribeChanges = sources.changes?.(changed);

  function stopFeed(key: string, feed: Feed): void {
    clearInterval(feed.fallback);
    clearTimeout(feed.soon);
    clearTimeout(feed.settle);
    feeds.delete(key);
  }

  function subscribe(key: string, listener: (event: string) => void): () => void {
    let feed = feeds.get(key);
    if (!feed) {
      const created: Feed = { listeners: new Set() };
      created.fallback = setInterval(() => void refresh(key, created), fallbackMs);
      feeds.set(key, created);
      feed = created;
    }
    feed.listeners.add(listener);
    if (feed.last) listener(`event: state\ndata: ${feed.last}\n\n`);
    else void refresh(key, feed);
    const own = feed;
    return () => {
      own.listeners.delete(listener);
      if (own.listeners.size === 0) stopFeed(key, own);
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
      unsubscribeChanges?.();
      for (const end of open) end();
      for (const [key, feed] of feeds) stopFeed(key, feed);
    },
  };
}
