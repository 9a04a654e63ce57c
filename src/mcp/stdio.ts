import type { Readable, Writable } from "node:stream";
import { serveStdio, StdioServerTransport } from "@modelcontextprotocol/server/stdio";
import type { AppServices } from "./services.ts";
import type { ToolRegistry } from "./registry.ts";
import type { SessionState } from "./session.ts";
import { buildMcpServer } from "./server-factory.ts";

/**
 * Serves one MCP session in the stdio framing over any pair of streams: the process's own
 * stdin/stdout (`stdio --standalone`) or a relay connection from `patchbay stdio`. The SDK pins
 * the protocol era from the opening message, so both eras work on every connection.
 *
 * @example
 * const session = serveStdioSession(host, registry, state, { input: socket, output: socket });
 * socket.on("close", () => session.close());
 */
export function serveStdioSession(
  host: AppServices,
  registry: ToolRegistry,
  state: SessionState,
  streams: { input: Readable; output: Writable; onerror?: (error: Error) => void },
): { close(): Promise<void> } {
  const transport = new StdioServerTransport(streams.input, streams.output);
  const handle = serveStdio(() => buildMcpServer(host, registry, state, { announcesModeChanges: true }), {
    transport,
    onerror: streams.onerror,
  });
  // The transport attached its listeners synchronously; a stream its caller paused must flow again.
  streams.input.resume();
  return handle;
}
