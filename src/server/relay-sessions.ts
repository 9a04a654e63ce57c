import type { Socket } from "node:net";
import { finished } from "node:stream/promises";
import { log } from "../log/index.ts";
import { createSession, type SessionOpening, serveStdioSession, type AppServices, type ToolRegistry } from "../mcp/index.ts";
import { readableFromFd, writableToFd } from "../runtime/index.ts";
import { HOST_CLOSED } from "./control-protocol.ts";
import { answerParseErrors } from "./parse-errors.ts";

/** The server's stdio sessions, one per `patchbay stdio` relay connected to it. */
export interface RelaySessions {
  readonly size: number;
  /** A session whose messages travel over the relay's connection. */
  relay(socket: Socket, session: SessionOpening, rest: Buffer): void;
  /** A session on the host's own stdin and stdout, handed over by the relay; `socket` only tells that the relay is still there. */
  relayHandedOff(socket: Socket, session: SessionOpening, fds: number[]): void;
  /** Ends every session; their relays exit with `relay_closed`. */
  closeAll(): void;
}

export function relaySessions(host: AppServices, registry: ToolRegistry): RelaySessions {
  const sockets = new Set<Socket>();
  const sessionState = (session: SessionOpening) =>
    createSession({ transport: "stdio", principal: "local", mode: session.mode, modeIsDefault: session.modeIsDefault, scope: session.scope });
  const onerror = (error: Error) => log.debug(`relay session: ${error.message}`);

  return {
    get size() {
      return sockets.size;
    },
    relay(socket, session, rest) {
      sockets.add(socket);
      if (rest.length > 0) socket.unshift(rest);
      const served = serveStdioSession(host, registry, sessionState(session), { input: socket, output: socket, onerror });
      answerParseErrors(socket, socket);
      socket.on("close", () => {
        sockets.delete(socket);
        void served.close();
      });
    },
    relayHandedOff(socket, session, [inFd, outFd]) {
      sockets.add(socket);
      const input = readableFromFd(inFd!);
      const output = writableToFd(outFd!);
      const served = serveStdioSession(host, registry, sessionState(session), { input, output, onerror });
      answerParseErrors(input, output);
      let ending: Promise<void> | undefined;
      /** Ends the session once: the host closed its end (its relay then exits 0), or the relay is gone. */
      const end = (hostClosed: boolean) =>
        (ending ??= (async () => {
          await served.close();
          input.destroy();
          // Every answer reaches a host that closed its end before its relay exits; with the relay gone, nobody waits for them.
          if (hostClosed) {
            output.end();
            await finished(output).catch(() => {});
          } else output.destroy();
          sockets.delete(socket);
          if (hostClosed && !socket.destroyed) socket.end(`${HOST_CLOSED}\n`);
          else socket.destroy();
        })());
      input.once("end", () => void end(true));
      input.once("error", () => void end(true));
      output.once("error", () => void end(true));
      socket.once("close", () => void end(false));
      socket.on("error", () => {}); // the close that follows decides
      socket.resume(); // nothing is read from the relay, but its going away must be noticed
    },
    closeAll() {
      for (const socket of sockets) socket.destroy();
    },
  };
}
