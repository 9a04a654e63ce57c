/**
 * A listener that counts connections, for SSRF tests: a refused fetch must never reach it. It
 * listens on every local address (IPv4 and IPv6, loopback and the machine's own interfaces) so a
 * target that names this machine in any form lands here, and answers plain HTTP with "reached".
 */
import { createServer, type Server } from "node:http";
import { networkInterfaces } from "node:os";

export interface HitCounter {
  port: number;
  /** TCP connections accepted so far (a TLS attempt counts too). */
  hits(): number;
  /** This machine's own addresses (loopback and interfaces), as URL hosts. */
  ownHosts(): string[];
  close(): Promise<void>;
}

export async function startHitCounter(): Promise<HitCounter> {
  let hits = 0;
  const server: Server = createServer((_request, response) => response.end("reached"));
  server.on("connection", () => void hits++);
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen({ port: 0, host: "::", ipv6Only: false }, done);
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    hits: () => hits,
    ownHosts: () =>
      Object.values(networkInterfaces())
        .flatMap((entries) => entries ?? [])
        .filter((entry) => !entry.address.startsWith("fe80:")) // link-local needs a zone id to connect
        .map((entry) => (entry.family === "IPv6" ? `[${entry.address}]` : entry.address)),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((done) => server.close(() => done()));
    },
  };
}
