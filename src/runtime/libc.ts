/**
 * libc through Bun's FFI, on Linux only: the few system calls the event loop cannot make for us
 * the way we need them (inotify read on our own thread, the relay's blocking byte pump, the
 * handoff of its descriptors).
 */

const EINTR = 4;

/** Linux's values for the socket flags both FFI modules pass (fd-pump.ts, fd-handoff.ts). */
export const SOCK_STREAM = 1;
export const SOCK_CLOEXEC = 0o2000000;
export const MSG_DONTWAIT = 0x40;
export const MSG_NOSIGNAL = 0x4000;

/** `call`'s result, made again while a signal interrupted it (-1 with errno EINTR). */
export function retried(call: () => number | bigint, errno: () => number): number {
  for (;;) {
    const result = Number(call());
    if (result >= 0 || errno() !== EINTR) return result;
  }
}

type CType = "i32" | "u32" | "i64" | "u64" | "ptr";
type Signature = { readonly args: readonly CType[]; readonly returns: CType };
type Argument<T> = T extends "ptr" ? unknown : number;
type Arguments<A extends readonly CType[]> = { -readonly [I in keyof A]: Argument<A[I]> };
type Result<T> = T extends "i64" | "u64" ? number | bigint : number;

/** The functions `dlopen` gives for `symbols`, typed from their signatures. */
export type LibcFunctions<S extends Record<string, Signature>> = {
  [K in keyof S]: (...args: Arguments<S[K]["args"]>) => Result<S[K]["returns"]>;
};

export interface Libc<S extends Record<string, Signature>> {
  symbols: LibcFunctions<S>;
  /** The address of a view's bytes, to pass where a signature says "ptr". */
  ptr(view: ArrayBufferView): number;
  /** The 32-bit integer at `address + offset` (errno, through `__errno_location`). */
  readI32(address: number, offset: number): number;
}

interface BunFfi {
  dlopen(library: string, symbols: Record<string, Signature>): { symbols: unknown };
  ptr(view: ArrayBufferView): number;
  read: { i32(address: number, offset: number): number };
}

/** Opened once per symbol table: `dlopen` compiles a trampoline for each symbol (about a millisecond). */
const opened = new WeakMap<Record<string, Signature>, Promise<unknown>>();

/** libc with `symbols`, or undefined where there is none to open (not Bun, not Linux, no libc by either name). */
export function openLibc<S extends Record<string, Signature>>(symbols: S): Promise<Libc<S> | undefined> {
  let libc = opened.get(symbols);
  if (!libc) opened.set(symbols, (libc = dlopenLibc(symbols)));
  return libc as Promise<Libc<S> | undefined>;
}

async function dlopenLibc<S extends Record<string, Signature>>(symbols: S): Promise<Libc<S> | undefined> {
  if (!(globalThis as { Bun?: unknown }).Bun || process.platform !== "linux") return undefined;
  try {
    // Named at run time so Deno, which has no bun:ffi, never resolves it; Bun's compiled binary has it built in.
    const specifier = "bun:ffi";
    const ffi = (await import(specifier)) as BunFfi;
    for (const library of ["libc.so.6", "libc.so"]) {
      try {
        const found = ffi.dlopen(library, symbols);
        return { symbols: found.symbols as LibcFunctions<S>, ptr: ffi.ptr, readI32: ffi.read.i32 };
      } catch {
        // musl names it differently; without either there is none.
      }
    }
  } catch {
    // No FFI in this runtime.
  }
  return undefined;
}
