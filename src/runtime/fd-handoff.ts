/**
 * Handing a process's stdin and stdout to another process over a Unix domain socket
 * (`SCM_RIGHTS`), through Bun's FFI to libc (Bun on Linux only; elsewhere both ends answer
 * undefined). `patchbay stdio` hands the host's pipes to the running server this way, so the
 * server reads and writes them itself and no second process wakes on each message
 * (docs/benchmarks.md, "Where the time went").
 *
 * The server listens on an abstract socket (no file; it is gone with the process). Anyone on the
 * machine can connect to it, so a handoff counts only with a ticket the server gave out over its
 * authenticated control connection; descriptors sent without one are closed at once.
 */
import { MSG_DONTWAIT, MSG_NOSIGNAL, openLibc, retried, SOCK_CLOEXEC, SOCK_STREAM } from "./libc.ts";
import { randomHex } from "./random-hex.ts";

const AF_UNIX = 1;
const SOCK_NONBLOCK = 0o4000;
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;
const MSG_CMSG_CLOEXEC = 0x40000000;
/** `struct cmsghdr` before its data on LP64 Linux: `cmsg_len` (size_t), `cmsg_level`, `cmsg_type`. */
const CMSG_HEADER_BYTES = 16;
/** Room for this many descriptors in one message; more than a handoff sends are closed by the kernel. */
const MAX_FDS = 4;
const TICKET_BYTES = 32;

const SYMBOLS = {
  socket: { args: ["i32", "i32", "i32"], returns: "i32" },
  bind: { args: ["i32", "ptr", "u32"], returns: "i32" },
  listen: { args: ["i32", "i32"], returns: "i32" },
  accept4: { args: ["i32", "ptr", "ptr", "i32"], returns: "i32" },
  connect: { args: ["i32", "ptr", "u32"], returns: "i32" },
  sendmsg: { args: ["i32", "ptr", "i32"], returns: "i64" },
  recvmsg: { args: ["i32", "ptr", "i32"], returns: "i64" },
  close: { args: ["i32"], returns: "i32" },
  __errno_location: { args: [], returns: "ptr" },
} as const;

/** The server's end: where relays send descriptors, and the tickets that make a handoff count. */
export interface HandoffListener {
  /** The abstract socket's name, for the relay to connect to. */
  readonly name: string;
  /** A ticket for one handoff; `take` answers its descriptors once they arrived. */
  issue(): string;
  /** The descriptors sent with `ticket` (stdin first), or undefined when none came; the ticket is spent either way. */
  take(ticket: string): number[] | undefined;
  /** Forgets `ticket` and closes anything that arrived for it. */
  discard(ticket: string): void;
  close(): void;
}

/** The socket calls, with this thread's errno; undefined where there is no FFI (not Bun on Linux). */
async function socketCalls() {
  const libc = await openLibc(SYMBOLS);
  if (!libc) return undefined;
  const errnoAt = libc.symbols.__errno_location();
  return { symbols: libc.symbols, ptr: libc.ptr, errno: () => libc.readI32(errnoAt, 0) };
}

/** `struct sockaddr_un` for an abstract name: a leading NUL, then the name, no terminator. */
function abstractAddress(name: string): Uint8Array {
  const bytes = new TextEncoder().encode(name);
  const address = new Uint8Array(2 + 1 + bytes.length);
  new DataView(address.buffer).setUint16(0, AF_UNIX, true);
  address.set(bytes, 3);
  return address;
}

/**
 * A `struct msghdr` (56 bytes on LP64) over one buffer of data and one of control, with its one
 * `struct iovec` in the same bytes after it: the kernel reads both through addresses, and one
 * buffer passed to the call cannot be collected while the call runs.
 */
function messageHeader(ptr: (view: ArrayBufferView) => number, data: Uint8Array, control: Uint8Array): Uint8Array {
  const header = new Uint8Array(56 + 16);
  const view = new DataView(header.buffer);
  view.setBigUint64(16, BigInt(ptr(header) + 56), true);
  view.setBigUint64(24, 1n, true);
  view.setBigUint64(32, BigInt(ptr(control)), true);
  view.setBigUint64(40, BigInt(control.length), true);
  view.setBigUint64(56, BigInt(ptr(data)), true);
  view.setBigUint64(64, BigInt(data.length), true);
  return header;
}

/** Listens for handoffs; undefined where there is no FFI (not Bun on Linux) or the socket cannot be made. */
export async function openHandoffListener(): Promise<HandoffListener | undefined> {
  const libc = await socketCalls();
  if (!libc) return undefined;
  const { symbols, ptr, errno } = libc;
  const name = `patchbay-handoff-${process.pid}-${randomHex(8)}`;
  const fd = symbols.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return undefined;
  const address = abstractAddress(name);
  if (symbols.bind(fd, ptr(address), address.length) < 0 || symbols.listen(fd, 64) < 0) {
    symbols.close(fd);
    return undefined;
  }
  /** Issued tickets, with what arrived for each (stdin, stdout) once it did. */
  const tickets = new Map<string, number[] | undefined>();

  /** Reads one connection's ticket and descriptors, then closes it. */
  function receive(connection: number): void {
    const data = new Uint8Array(TICKET_BYTES * 2 + 1);
    const control = new Uint8Array(CMSG_HEADER_BYTES + 4 * MAX_FDS);
    const header = messageHeader(ptr, data, control);
    const got = retried(() => symbols.recvmsg(connection, ptr(header), MSG_DONTWAIT | MSG_CMSG_CLOEXEC), errno);
    symbols.close(connection);
    if (got <= 0) return;
    const view = new DataView(control.buffer);
    const controlLength = Number(new DataView(header.buffer).getBigUint64(40, true));
    const fds: number[] = [];
    if (controlLength >= CMSG_HEADER_BYTES && view.getInt32(8, true) === SOL_SOCKET && view.getInt32(12, true) === SCM_RIGHTS) {
      const length = Math.min(Number(view.getBigUint64(0, true)), control.length);
      for (let at = CMSG_HEADER_BYTES; at + 4 <= length; at += 4) fds.push(view.getInt32(at, true));
    }
    const ticket = new TextDecoder().decode(data.subarray(0, got));
    if (fds.length === 2 && tickets.has(ticket) && tickets.get(ticket) === undefined) tickets.set(ticket, fds);
    else for (const received of fds) symbols.close(received);
  }

  function discard(ticket: string): void {
    for (const received of tickets.get(ticket) ?? []) symbols.close(received);
    tickets.delete(ticket);
  }

  return {
    name,
    discard,
    issue() {
      const ticket = randomHex(TICKET_BYTES);
      tickets.set(ticket, undefined);
      return ticket;
    },
    take(ticket) {
      if (!tickets.has(ticket)) return undefined;
      // Every waiting connection is read: another relay's handoff may have arrived ahead of this one's.
      for (;;) {
        const connection = retried(() => symbols.accept4(fd, null, null, SOCK_NONBLOCK | SOCK_CLOEXEC), errno);
        if (connection < 0) break;
        receive(connection);
      }
      const fds = tickets.get(ticket);
      tickets.delete(ticket);
      return fds;
    },
    close() {
      for (const ticket of [...tickets.keys()]) discard(ticket);
      symbols.close(fd);
    },
  };
}

/**
 * Sends this process's descriptors `fds` with `ticket` to the listener called `name`. False where
 * there is no FFI or the listener cannot be reached; the descriptors stay this process's either way.
 */
export async function handOff(name: string, ticket: string, fds: number[]): Promise<boolean> {
  const libc = await socketCalls();
  if (!libc || fds.length > MAX_FDS) return false;
  const { symbols, ptr, errno } = libc;
  // Non-blocking: anyone on the machine can fill the listener's backlog, and a blocking connect would
  // then wait for as long as they keep it full. Full, it fails at once and the session takes the pump.
  const fd = symbols.socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  try {
    const address = abstractAddress(name);
    if (retried(() => symbols.connect(fd, ptr(address), address.length), errno) < 0) return false;
    const data = new TextEncoder().encode(ticket);
    const control = new Uint8Array(CMSG_HEADER_BYTES + 4 * fds.length);
    const view = new DataView(control.buffer);
    view.setBigUint64(0, BigInt(control.length), true);
    view.setInt32(8, SOL_SOCKET, true);
    view.setInt32(12, SCM_RIGHTS, true);
    for (const [index, sent] of fds.entries()) view.setInt32(CMSG_HEADER_BYTES + 4 * index, sent, true);
    const sent = retried(() => symbols.sendmsg(fd, ptr(messageHeader(ptr, data, control)), MSG_DONTWAIT | MSG_NOSIGNAL), errno);
    return sent === data.length;
  } finally {
    symbols.close(fd);
  }
}
