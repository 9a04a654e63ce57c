/**
 * A listener that counts connections, for SSRF tests: a refused fetch must never reach it. It
 * listens on every local address (IPv4 and IPv6, loopback and the machine's own interfaces) so a
 * target that names this machine in any form lands here, and answers plain HTTP with "reached".
 */
import { createServer, type Server } from "node:http";
import { lookup } from "node:dns/promises";
import { hostname, networkInterfaces } from "node:os";
import { isBlockedAddress } from "../../src/net/index.ts";

export interface HitCounter {
  port: number;
  /** TCP connections accepted so far (a TLS attempt counts too). */
  hits(): number;
  /** This machine's own addresses (loopback and interfaces) that a server-side fetch must refuse, as URL hosts; a public one is left out. */
  ownHosts(): string[];
  close(): Promise<void>;
}

/** This machine's own host name when it resolves only to addresses a server-side fetch must refuse (its hosts entry, usually loopback). */
export async function ownHostName(): Promise<string[]> {
  const addresses = await lookup(hostname(), { all: true }).catch(() => []);
  return addresses.length > 0 && addresses.every((entry) => isBlockedAddress(entry.address)) ? [hostname()] : [];
}

export async function startHitCounter(): Promise<HitCounter> {
  let hits = 0;
  const server: Server = createServer((_request, response) => response.end("reached"));
  server.on("connection", () => void hits++);
  const listen = (host: string) =>
    new Promise<void>((done, fail) => {
      server.once("error", fail);
      server.listen({ port: 0, host, ipv6Only: false }, () => (server.off("error", fail), done()));
    });
  // Dual-stack where the machine has IPv6, else every IPv4 address.
  await listen("::").catch(() => listen("0.0.0.0"));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    hits: () => hits,
    ownHosts: () =>
      Object.values(networkInterfaces())
        .flatMap((entries) => entries ?? [])
        .filter((entry) => !entry.address.startsWith("fe80:") && isBlockedAddress(entry.address)) // link-local needs a zone id to connect
        .map((entry) => (entry.family === "IPv6" ? `[${entry.address}]` : entry.address)),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((done) => server.close(() => done()));
    },
  };
}
