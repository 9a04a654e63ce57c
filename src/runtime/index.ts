/**
 * The one place that knows which JavaScript runtime runs patchbay. Everything else uses web
 * standards and node: modules, which Bun and Deno both provide; only serving HTTP, re-launching
 * ourselves, reading inotify and the stdio relay's byte pump differ between them (serving also
 * notes each request's peer address, `remote-address.ts`, which a web `Request` does not carry).
 * It is also the home of the basics every layer shares: replacing a file atomically
 * (`atomic-file.ts`), process liveness, the one path containment test (`isInside`), the kept real
 * paths of roots (`kept-realpath.ts`) and, on Linux under Bun, what goes through Bun's FFI to libc
 * (`libc.ts`): inotify read on the calling thread (`inotify.ts`), the relay's blocking byte
 * pump (`fd-pump.ts`) and the handoff of its stdin and stdout to the server (`fd-handoff.ts`,
 * served there through Bun's own descriptor streams, `fd-streams.ts`). The CLI's entry imports
 * `startup-jit.ts` itself, the JIT policy of a start, so that `--version` loads nothing else.
 */
import { fileURLToPath } from "node:url";
import { PatchbayError } from "../errors/index.ts";
import { noteRemoteAddress } from "./remote-address.ts";

export { type AtomicWriteOptions, isTempName, sweepStaleTemps, tempNameFor, writeFileAtomic, writeFileAtomicSync, writeTempFile } from "./atomic-file.ts";
export { isInside } from "./inside.ts";
export { type HandoffListener, handOff, openHandoffListener } from "./fd-handoff.ts";
export { type FdPump, openFdPump } from "./fd-pump.ts";
export { readableFromFd, writableToFd } from "./fd-streams.ts";
export { IN, type Inotify, type InotifyEvent, openInotify } from "./inotify.ts";
export { keptRealpath, keptRealpathOrSelf } from "./kept-realpath.ts";
export { isProcessAlive, processStartTime } from "./process-liveness.ts";
export { randomHex } from "./random-hex.ts";
export { remoteAddress } from "./remote-address.ts";

interface BunServer {
  port: number;
  hostname: string;
  stop(closeActive?: boolean): Promise<void> | void;
}
interface BunGlobal {
  serve(options: {
    fetch: (request: Request, server: { requestIP(request: Request): { address: string } | null }) => Response | Promise<Response>;
    hostname: string;
    port: number;
    idleTimeout: number;
  }): BunServer;
  main: string;
}
interface DenoServer {
  addr: { hostname: string; port: number };
  shutdown(): Promise<void>;
}
interface DenoGlobal {
  serve(
    options: { hostname: string; port: number; onListen?: () => void },
    handler: (request: Request, info: { remoteAddr: { hostname: string } }) => Response | Promise<Response>,
  ): DenoServer;
  execPath(): string;
}

const bun = (globalThis as { Bun?: BunGlobal }).Bun;
const deno = (globalThis as { Deno?: DenoGlobal }).Deno;

export const runtimeName: "bun" | "deno" = bun ? "bun" : "deno";

/** True inside the `bun build --compile` executable, where our sources live in a virtual /$bunfs. */
export const isCompiledBinary = Boolean(bun?.main.startsWith("/$bunfs/")) || import.meta.url.includes("$bunfs");

export interface HttpListener {
  hostname: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Serves a fetch handler on hostname:port (0 picks a free port).
 * Bun's idle timeout is off: its 10 s default cuts long quiet tool calls.
 *
 * @example
 * const listener = await serveHttp(app.fetch, { hostname: "127.0.0.1", port: 0 });
 */
export async function serveHttp(fetch: (request: Request) => Promise<Response>, address: { hostname: string; port: number }): Promise<HttpListener> {
  try {
    if (bun) {
      const served = (request: Request, server: { requestIP(request: Request): { address: string } | null }) => {
        noteRemoteAddress(request, server.requestIP(request)?.address);
        return fetch(request);
      };
      const server = bun.serve({ fetch: served, hostname: address.hostname, port: address.port, idleTimeout: 0 });
      return { hostname: address.hostname, port: server.port, stop: async () => void (await server.stop(true)) };
    }
    if (!deno) throw new PatchbayError("runtime_unsupported", "patchbay runs on Bun or Deno", { next: "run the compiled binary, or `bun src/cli.ts`" });
    const server = deno.serve({ hostname: address.hostname, port: address.port, onListen: () => {} }, (request, info) => {
      noteRemoteAddress(request, info.remoteAddr.hostname);
      return fetch(request);
    });
    return { hostname: address.hostname, port: server.addr.port, stop: () => server.shutdown() };
  } catch (error) {
    if (error instanceof PatchbayError) throw error;
    const text = String((error as Error).message ?? error);
    if (/in use|EADDRINUSE|AddrInUse/i.test(text)) {
      throw new PatchbayError("port_in_use", `port ${address.port} on ${address.hostname} is already in use`, {
        next: "pick another with --port, or stop what listens there",
      });
    }
    throw new PatchbayError("listen_failed", `cannot listen on ${address.hostname}:${address.port}: ${text}`, { next: "check --host and --port" });
  }
}

/**
 * The argv that starts this same patchbay again: the background server, and what `mcp install`
 * registers for hosts, which run it in the project they opened. From source under Bun it names
 * patchbay's own bunfig.toml and no `.env`, because Bun otherwise reads both from the working
 * directory, and a repository's `preload` would run inside patchbay (the compiled binary is built
 * without that autoload, scripts/compile-flags.ts).
 */
export function selfCommand(): string[] {
  if (isCompiledBinary) return [process.execPath];
  const entry = fileURLToPath(new URL("../cli.ts", import.meta.url));
  if (deno) return [deno.execPath(), "run", "-A", entry];
  const bunfig = fileURLToPath(new URL("../../bunfig.toml", import.meta.url));
  return [process.execPath, "--no-env-file", `--config=${bunfig}`, entry];
}
