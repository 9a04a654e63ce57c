/**
 * Node streams over a pipe or socket descriptor this process was handed (`fd-handoff.ts`), read
 * and written by Bun's own non-blocking readers and writers, as Bun's process.stdin and stdout
 * are. Not `fs.createReadStream`: it reads in the thread pool, and a quiet pipe would hold a thread
 * for as long as its session is open (a dozen idle sessions and every file read of the server
 * waits). Bun only: only descriptors a handoff brought get here, and handoffs happen only on Bun.
 */
import { closeSync } from "node:fs";
import { Readable, Writable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";

interface FileSink {
  write(chunk: Uint8Array): number;
  flush(): number | Promise<number>;
  /** Flushes, then closes the writer's descriptor. */
  end(): number | Promise<number>;
}
interface BunFiles {
  file(fd: number): { stream(): ReadableStream<Uint8Array>; writer(): FileSink };
}

function bunFiles(): BunFiles {
  const bun = (globalThis as { Bun?: BunFiles }).Bun;
  if (!bun) throw new Error("descriptor streams need Bun");
  return bun;
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed: nothing else holds it.
  }
}

/** What arrives on `fd`; the descriptor is closed once the stream ended or was destroyed. */
export function readableFromFd(fd: number): Readable {
  const readable = Readable.fromWeb(bunFiles().file(fd).stream() as unknown as WebReadableStream<Uint8Array>);
  readable.once("close", () => closeQuietly(fd));
  return readable;
}

/**
 * Writes to `fd`, each write done when the bytes left this process (so a slow reader holds the
 * writer back); a reader that went away makes it fail. The descriptor is closed once the stream
 * finished or was destroyed: by the time `finish` is emitted, this process holds no copy of it.
 */
export function writableToFd(fd: number): Writable {
  const sink = bunFiles().file(fd).writer();
  // Bun's writer works on a duplicate of `fd` that only its end() closes (or, much later, the
  // garbage collector): with it open the reader never sees end of file, so a host waiting for its
  // child's stdout to close would wait on the server's next collection.
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    try {
      const ended = sink.end();
      // A reader gone meanwhile fails the last flush: the stream has reported it, or nobody waits.
      if (ended instanceof Promise) ended.catch(() => {});
    } catch {
      // Ended already, or its descriptor is gone with an error the stream reported.
    }
    closeQuietly(fd);
  };
  const settle = (pending: number | Promise<number>, callback: (error?: Error | null) => void) => {
    if (pending instanceof Promise)
      pending.then(
        () => callback(),
        (error: Error) => callback(error),
      );
    else callback();
  };
  const writable = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      try {
        sink.write(chunk);
        settle(sink.flush(), callback);
      } catch (error) {
        callback(error as Error);
      }
    },
    final(callback) {
      try {
        settle(sink.flush(), (error) => {
          release();
          callback(error);
        });
      } catch (error) {
        release();
        callback(error as Error);
      }
    },
  });
  writable.once("close", release);
  return writable;
}
