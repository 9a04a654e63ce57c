import type { SessionOpening } from "../mcp/index.ts";
import { controlRequest } from "./control-client.ts";
import { ensureServer } from "./launcher.ts";

/**
 * `patchbay stdio` as a session on the shared server: pipes this process's stdin/stdout to a
 * relay connection. Loads no MCP code itself, so it starts fast, and closing it (the host quits)
 * ends only this session, never the server or the agents it runs.
 */
export async function relayStdio(home: string, session: SessionOpening, configFile?: string): Promise<number> {
  const owner = await ensureServer(home, configFile);
  const { socket, rest } = await controlRequest(owner, { op: "relay", session });
  if (rest.length > 0) process.stdout.write(rest);
  process.stdin.pipe(socket);
  socket.pipe(process.stdout);
  socket.resume();
  return new Promise((resolve) => {
    // The host closing stdin half-closes the relay; the server then ends the session and the socket.
    socket.on("close", (hadError) => resolve(hadError ? 1 : 0));
    socket.on("error", () => {});
  });
}
