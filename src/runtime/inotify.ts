/**
 * Linux inotify read on the calling thread, through Bun's FFI to libc (Bun on Linux only; elsewhere
 * `openInotify` answers undefined). The kernel queues an inotify event inside the system call that
 * made the change, before that call returns to whoever made it; so one non-blocking `read` of the
 * queue returns every change completed before it, with no watcher thread to wait for and no file
 * written to learn where the queue stands.
 */
import { openLibc } from "./libc.ts";

/** Masks from <sys/inotify.h>. */
export const IN = {
  MODIFY: 0x2,
  ATTRIB: 0x4,
  MOVED_FROM: 0x40,
  MOVED_TO: 0x80,
  CREATE: 0x100,
  DELETE: 0x200,
  DELETE_SELF: 0x400,
  MOVE_SELF: 0x800,
  Q_OVERFLOW: 0x4000,
  IGNORED: 0x8000,
  ONLYDIR: 0x1000000,
  DONT_FOLLOW: 0x2000000,
  EXCL_UNLINK: 0x4000000,
  ISDIR: 0x40000000,
} as const;

const IN_NONBLOCK = 0o4000;
const IN_CLOEXEC = 0o2000000;
/** Room for hundreds of events per read; a read returns whole events only. */
const BUFFER_BYTES = 64 * 1024;

export interface InotifyEvent {
  /** The watch it came from; -1 for the queue's overflow. */
  wd: number;
  mask: number;
  /** The entry's name in the watched directory, "" for the directory itself. */
  name: string;
}

export interface Inotify {
  /** Watches the directory `path` (not following a symlink) for `mask`; undefined when it cannot (gone, not a directory, the user's watch limit). */
  watch(path: string, mask: number): number | undefined;
  unwatch(wd: number): void;
  /** Every event queued now, oldest first; none when the queue is empty. */
  read(): InotifyEvent[];
  close(): void;
}

const SYMBOLS = {
  inotify_init1: { args: ["i32"], returns: "i32" },
  inotify_add_watch: { args: ["i32", "ptr", "u32"], returns: "i32" },
  inotify_rm_watch: { args: ["i32", "i32"], returns: "i32" },
  read: { args: ["i32", "ptr", "u64"], returns: "i64" },
  close: { args: ["i32"], returns: "i32" },
} as const;

/**
 * A new inotify instance, or undefined where there is none (not Linux on Bun, no libc, the user's
 * instance limit).
 *
 * @example
 * const inotify = await openInotify();
 * const wd = inotify?.watch("/work/repo", IN.CREATE | IN.DELETE | IN.MODIFY);
 * // … later, on the same thread:
 * const changed = (inotify?.read().length ?? 0) > 0;
 */
export async function openInotify(): Promise<Inotify | undefined> {
  const loaded = await openLibc(SYMBOLS);
  if (!loaded) return undefined;
  const { symbols, ptr } = loaded;
  const fd = symbols.inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return undefined;
  const buffer = new Uint8Array(BUFFER_BYTES);
  const view = new DataView(buffer.buffer);
  const bufferAt = ptr(buffer);
  const decoder = new TextDecoder();
  let open = true;
  return {
    watch(path, mask) {
      const wd = symbols.inotify_add_watch(fd, ptr(Buffer.from(`${path}\0`)), mask | IN.DONT_FOLLOW | IN.ONLYDIR);
      return wd < 0 ? undefined : wd;
    },
    unwatch(wd) {
      symbols.inotify_rm_watch(fd, wd);
    },
    read() {
      const events: InotifyEvent[] = [];
      // Non-blocking: -1 (EAGAIN) once the queue is empty.
      for (;;) {
        const length = Number(symbols.read(fd, bufferAt, BUFFER_BYTES));
        if (length <= 0) return events;
        for (let at = 0; at + 16 <= length; ) {
          const nameBytes = view.getUint32(at + 12, true);
          const name = buffer.subarray(at + 16, at + 16 + nameBytes);
          const end = name.indexOf(0);
          events.push({ wd: view.getInt32(at, true), mask: view.getUint32(at + 4, true), name: decoder.decode(end < 0 ? name : name.subarray(0, end)) });
          at += 16 + nameBytes;
        }
      }
    },
    close() {
      if (open) symbols.close(fd);
      open = false;
    },
  };
}
