/**
 * A byte pump between this process's stdin/stdout and a loopback TCP connection, made of blocking
 * `poll`, `read` and `send` system calls through Bun's FFI to libc (Bun on Linux only; elsewhere
 * `openFdPump` answers undefined). It is what `patchbay stdio` runs once its session is open, and
 * it does nothing else, so it needs no event loop: a message from the host is read and sent on
 * within microseconds of the kernel waking this process, where the event loop and its streams
 * took 80–130 µs per hop (docs/benchmarks.md, "Where the time went").
 */
import { type LibcFunctions, MSG_DONTWAIT, MSG_NOSIGNAL, openLibc, retried, SOCK_CLOEXEC, SOCK_STREAM } from "./libc.ts";

const AF_INET = 2;
const POLLIN = 0x1;
const POLLOUT = 0x4;
const SHUT_WR = 1;
const IPPROTO_TCP = 6;
const TCP_NODELAY = 1;
const EAGAIN = 11;
const ENOTSOCK = 88;
const F_GETFL = 3;
const F_SETFL = 4;
const F_GETPIPE_SZ = 1032;
const O_NONBLOCK = 0o4000;
/** A write of at most this much to anything that polled writable never blocks (POSIX PIPE_BUF). */
const PIPE_BUF = 4096;
const BUFFER_BYTES = 64 * 1024;

const SYMBOLS = {
  socket: { args: ["i32", "i32", "i32"], returns: "i32" },
  connect: { args: ["i32", "ptr", "u32"], returns: "i32" },
  poll: { args: ["ptr", "u64", "i32"], returns: "i32" },
  read: { args: ["i32", "ptr", "u64"], returns: "i64" },
  write: { args: ["i32", "ptr", "u64"], returns: "i64" },
  send: { args: ["i32", "ptr", "u64", "i32"], returns: "i64" },
  shutdown: { args: ["i32", "i32"], returns: "i32" },
  setsockopt: { args: ["i32", "i32", "i32", "ptr", "u32"], returns: "i32" },
  fcntl: { args: ["i32", "i32", "i32"], returns: "i32" },
  close: { args: ["i32"], returns: "i32" },
  __errno_location: { args: [], returns: "ptr" },
} as const;

type Libc = LibcFunctions<typeof SYMBOLS>;
type WriteKind = "socket" | "pipe" | "other";

export interface FdPump {
  /** Sends `bytes` whole (blocking); false when the connection is gone. */
  send(bytes: Uint8Array): boolean;
  /**
   * Reads until a newline arrives: the line, or undefined at the end or after `timeoutMs`
   * (Infinity waits for as long as it takes). What followed it starts the next line, or goes to
   * stdout first when the pump runs.
   */
  readLine(timeoutMs: number): Uint8Array | undefined;
  /**
   * Copies stdin to the connection and the connection to stdout, each as soon as it arrives, until
   * the connection ends; then closes it. `host_closed` when stdin ended (or stdout was closed)
   * first, `peer_closed` when the connection ended while the host was still there.
   */
  run(): "host_closed" | "peer_closed";
  close(): void;
}

/** Connects to 127.0.0.1:`port`; undefined where there is no FFI pump (not Bun on Linux) or the connection fails. */
export async function openFdPump(port: number): Promise<FdPump | undefined> {
  const libc = await openLibc(SYMBOLS);
  if (!libc) return undefined;
  const { symbols, ptr, readI32 } = libc;
  const errnoAt = symbols.__errno_location();
  const errno = () => readI32(errnoAt, 0);
  const fd = symbols.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return undefined;
  const address = new Uint8Array(16);
  new DataView(address.buffer).setUint16(0, AF_INET, true);
  new DataView(address.buffer).setUint16(2, port, false);
  address.set([127, 0, 0, 1], 4);
  // Each message goes out when written: with Nagle's algorithm a second small message (a notification, then a
  // request) waits for the first one's ACK, which the server delays up to 40 ms.
  const on = new Int32Array([1]);
  const noDelay = symbols.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, ptr(on), 4) === 0;
  if (!noDelay || retried(() => symbols.connect(fd, ptr(address), address.length), errno) < 0) {
    symbols.close(fd);
    return undefined;
  }
  return pumpOn(symbols, ptr, errno, fd);
}

function pumpOn(symbols: Libc, ptr: (view: ArrayBufferView) => unknown, errno: () => number, fd: number): FdPump {
  const pollFds = new Uint8Array(8 * 4);
  const pollView = new DataView(pollFds.buffer);
  const pollAt = ptr(pollFds);
  let open = true;
  let afterLine = new Uint8Array(0);

  /** Waits until one of `wanted` ([fd, events] pairs) is ready; the revents of each, or undefined after `timeoutMs`. */
  function waitFor(wanted: Array<[number, number]>, timeoutMs: number): number[] | undefined {
    wanted.forEach(([watched, events], index) => {
      pollView.setInt32(index * 8, watched, true);
      pollView.setInt16(index * 8 + 4, events, true);
      pollView.setInt16(index * 8 + 6, 0, true);
    });
    const ready = retried(() => symbols.poll(pollAt, wanted.length, timeoutMs), errno);
    if (ready <= 0) return ready === 0 ? undefined : wanted.map(() => POLLIN | POLLOUT);
    return wanted.map((_, index) => pollView.getInt16(index * 8 + 6, true));
  }

  /**
   * How a write to `target` is kept from blocking, so one way of the pump never stalls the other:
   * a socket's send takes MSG_DONTWAIT; our end of a pipe is made non-blocking (as Bun makes its
   * stdout pipe once it writes to stdout or stderr); anything else (a terminal, a file) is written
   * at most PIPE_BUF at a time after poll said it is writable.
   */
  function writeKind(target: number): WriteKind {
    if (!(Number(symbols.send(target, pollAt, 0, MSG_DONTWAIT | MSG_NOSIGNAL)) < 0 && errno() === ENOTSOCK)) return "socket";
    if (symbols.fcntl(target, F_GETPIPE_SZ, 0) < 0) return "other";
    const flags = symbols.fcntl(target, F_GETFL, 0);
    return flags >= 0 && symbols.fcntl(target, F_SETFL, flags | O_NONBLOCK) >= 0 ? "pipe" : "other";
  }

  /** One write that does not block. Bytes written, 0 to retry after poll, -1 when the other end is gone. */
  function writeSome(target: number, at: unknown, length: number, kind: WriteKind): number {
    const written =
      kind === "socket"
        ? retried(() => symbols.send(target, at, length, MSG_DONTWAIT | MSG_NOSIGNAL), errno)
        : retried(() => symbols.write(target, at, kind === "pipe" ? length : Math.min(length, PIPE_BUF)), errno);
    if (written >= 0) return written;
    return errno() === EAGAIN ? 0 : -1;
  }

  function sendAll(bytes: Uint8Array): boolean {
    const at = ptr(bytes);
    for (let sent = 0; sent < bytes.length; ) {
      if (!waitFor([[fd, POLLOUT]], -1)) return false;
      const written = writeSome(fd, Number(at) + sent, bytes.length - sent, "socket");
      if (written < 0) return false;
      sent += written;
    }
    return true;
  }

  /** One way of the pump: bytes read from `from` wait in `buffer` until `to` takes them. */
  class Direction {
    readonly buffer = new Uint8Array(BUFFER_BYTES);
    readonly at = Number(ptr(this.buffer));
    start = 0;
    end = 0;
    ended = false;
    broken = false;
    constructor(
      readonly from: number,
      readonly to: number,
      readonly toKind: WriteKind,
    ) {}
    get pending(): number {
      return this.end - this.start;
    }
    fill(): void {
      const got = retried(() => symbols.read(this.from, this.at, this.buffer.length), errno);
      if (got < 0 && errno() === EAGAIN) return;
      if (got <= 0) this.ended = true;
      else [this.start, this.end] = [0, got];
    }
    drain(): void {
      const written = writeSome(this.to, this.at + this.start, this.pending, this.toKind);
      if (written < 0) {
        this.broken = true;
        this.ended = true;
        this.start = this.end;
      } else this.start += written;
    }
  }

  return {
    send: sendAll,
    readLine(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      const buffer = new Uint8Array(BUFFER_BYTES);
      // What came after the last line is the start of this one.
      buffer.set(afterLine);
      let length = afterLine.length;
      let searched = 0;
      while (length < buffer.length) {
        const newline = buffer.subarray(searched, length).indexOf(10);
        if (newline >= 0) {
          const end = searched + newline;
          afterLine = buffer.slice(end + 1, length);
          return buffer.slice(0, end);
        }
        searched = length;
        if (!waitFor([[fd, POLLIN]], Number.isFinite(deadline) ? Math.max(0, deadline - Date.now()) : -1)) return undefined;
        const got = retried(() => symbols.read(fd, Number(ptr(buffer)) + length, buffer.length - length), errno);
        if (got < 0 && errno() === EAGAIN) continue;
        if (got <= 0) return undefined;
        length += got;
      }
      return undefined;
    },
    run() {
      // Node hosts give their servers socket pairs, others pipes.
      const up = new Direction(0, fd, "socket");
      const down = new Direction(fd, 1, writeKind(1));
      down.buffer.set(afterLine);
      down.end = afterLine.length;
      let upShut = false;
      for (;;) {
        if (up.ended && !upShut) {
          symbols.shutdown(fd, SHUT_WR);
          upShut = true;
        }
        if (down.ended) return up.ended && !up.broken ? "host_closed" : "peer_closed";
        const wanted: Array<[number, number]> = [];
        const roles: Array<[Direction, "read" | "write"]> = [];
        for (const direction of up.ended ? [down] : [up, down]) {
          if (direction.pending > 0) {
            wanted.push([direction.to, POLLOUT]);
            roles.push([direction, "write"]);
          } else {
            wanted.push([direction.from, POLLIN]);
            roles.push([direction, "read"]);
          }
        }
        const revents = waitFor(wanted, -1) ?? [];
        roles.forEach(([direction, role], index) => {
          if (revents[index] === 0) return;
          if (role === "read") direction.fill();
          else direction.drain();
        });
        // The host stopped reading its end: nobody is left to answer.
        if (down.broken) return "host_closed";
      }
    },
    close() {
      if (open) symbols.close(fd);
      open = false;
    },
  };
}
