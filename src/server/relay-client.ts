import { fstatSync } from "node:fs";
import { PatchbayError } from "../errors/index.ts";
import type { SessionOpening } from "../mcp/index.ts";
import { type FdPump, handOff, openFdPump } from "../runtime/index.ts";
import { controlRequest, helloLine, replyData } from "./control-client.ts";
import { HANDOFF_TAKEN, type HandoffNotice, type HandoffOffer, HOST_CLOSED } from "./control-protocol.ts";
import { ensureServer } from "./launcher.ts";
import type { OwnerRecord } from "./owner.ts";

const HELLO_ANSWER_MS = 10_000;

/**
 * `patchbay stdio` as a session on the shared server: pipes this process's stdin/stdout to a
 * relay connection. Loads no MCP code itself, so it starts fast, and closing it (the host quits)
 * ends only this session, never the server or the agents it runs.
 *
 * Resolves with 0 once the host closed stdin and the server ended the session, after every byte
 * the server sent reached stdout; rejects with `relay_closed` when the server ends the session
 * first (it stopped or was killed), so the host sees a failed server and a reason on stderr.
 */
export async function relayStdio(home: string, session: SessionOpening, configFile?: string): Promise<number> {
  const owner = await ensureServer(home, configFile);
  const pumped = await relayThroughPump(owner, session);
  if (pumped !== undefined) return pumped;
  const { socket, rest } = await controlRequest(owner, { op: "relay", session });
  if (rest.length > 0) process.stdout.write(rest);
  let hostClosed = false;
  process.stdin.once("end", () => {
    hostClosed = true;
  });
  // `.pipe()` keeps backpressure both ways: a host slow to read stops the socket being read, and so the server.
  process.stdin.pipe(socket);
  socket.pipe(process.stdout, { end: false });
  socket.resume();
  socket.on("error", () => {}); // the close that follows decides
  await new Promise((resolve) => socket.once("close", resolve));
  // The exit that follows must not cut off what is still queued for a slow host.
  await new Promise((resolve) => process.stdout.write("", resolve));
  if (hostClosed) return 0;
  throw relayClosed(owner);
}

function relayClosed(owner: OwnerRecord): PatchbayError {
  return new PatchbayError("relay_closed", `the patchbay server (pid ${owner.pid}) ended this session: it stopped or was killed`);
}

/**
 * The relay as a blocking byte pump of its own (Bun on Linux, `runtime/fd-pump.ts`): the same
 * session with no event loop between the host's pipes and the server's socket. Undefined where
 * there is no such pump, and the streams below carry the session instead.
 *
 * Better still, the host's pipes are handed to the server (`runtime/fd-handoff.ts`), which then
 * reads and writes them itself: no second process wakes on each message. This process only waits
 * for the server to say the host closed its end, so its exit still tells the host how the
 * session ended.
 */
async function relayThroughPump(owner: OwnerRecord, session: SessionOpening): Promise<number | undefined> {
  if (!owner.control_port) return undefined;
  const pump = await openFdPump(owner.control_port);
  if (!pump) return undefined;
  try {
    const sent = pump.send(new TextEncoder().encode(helloLine(owner, { op: "relay", session, handoff: hostPipesCanMove() })));
    const line = sent ? pump.readLine(HELLO_ANSWER_MS) : undefined;
    if (!line) throw unreachable(owner);
    const offer = (replyData(new TextDecoder().decode(line)) as { handoff?: HandoffOffer } | undefined)?.handoff;
    if (offer && (await handedOff(pump, owner, offer))) {
      // The server serves the host now; the line it ends the connection with says why it ended.
      if (decoded(pump.readLine(Number.POSITIVE_INFINITY)) === HOST_CLOSED) return 0;
      throw relayClosed(owner);
    }
    if (pump.run() === "peer_closed") throw relayClosed(owner);
    return 0;
  } finally {
    pump.close();
  }
}

/**
 * Only pipes and sockets move: a terminal handed to a server that has none of its own would read
 * the keyboard from the background, and a file could be read at some offset by two processes.
 */
function hostPipesCanMove(): boolean {
  try {
    return [0, 1].every((fd) => {
      const stat = fstatSync(fd);
      return stat.isFIFO() || stat.isSocket();
    });
  } catch {
    return false;
  }
}

/** Sends stdin and stdout with the offer's ticket; true once the server took them, false to go on as a byte pump. */
async function handedOff(pump: FdPump, owner: OwnerRecord, offer: HandoffOffer): Promise<boolean> {
  const sent = await handOff(offer.socket, offer.ticket, [0, 1]);
  const notice: HandoffNotice = { handoff: sent ? "sent" : "declined" };
  if (!pump.send(new TextEncoder().encode(`${JSON.stringify(notice)}\n`))) throw unreachable(owner);
  if (!sent) return false;
  const answer = pump.readLine(HELLO_ANSWER_MS);
  if (!answer) throw unreachable(owner);
  return decoded(answer) === HANDOFF_TAKEN;
}

function decoded(line: Uint8Array | undefined): string | undefined {
  return line && new TextDecoder().decode(line);
}

function unreachable(owner: OwnerRecord): PatchbayError {
  return new PatchbayError("server_unreachable", `the server (pid ${owner.pid}) closed the connection or did not answer within ${HELLO_ANSWER_MS} ms`, {
    next: "check `patchbay status`, or stop it with `patchbay stop`",
  });
}
