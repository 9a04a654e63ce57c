import { PatchbayError } from "../errors/index.ts";
import type { SessionOpening } from "../mcp/index.ts";
import { controlRequest } from "./control-client.ts";
import { ensureServer } from "./launcher.ts";

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
  throw new PatchbayError("relay_closed", `the patchbay server (pid ${owner.pid}) ended this session: it stopped or was killed`);
}
