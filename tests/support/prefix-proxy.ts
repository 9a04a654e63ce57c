/**
 * A reverse proxy on 127.0.0.1 that publishes a server under a path prefix, as one serving several
 * teams on one host does: `PREFIX/…` is forwarded without the prefix, with the client's Host, and
 * its answer streamed back (server-sent events too); paths `pass` accepts go as they are (the
 * root's well-known documents); anything else is 404. It records every request and its status,
 * so a test can check that a client only ever asked under the prefix.
 */
import { createServer, request } from "node:http";

export interface ProxiedRequest {
  method: string;
  /** The path and query as the client sent them to the proxy. */
  path: string;
  status: number;
}

export interface PrefixProxy {
  /** `http://127.0.0.1:PORT/PREFIX`, without a trailing slash. */
  base: string;
  /** Every request the proxy answered, in order, with the status it answered. */
  seen: ProxiedRequest[];
  /** Where to forward from now on (the server starts after the proxy, knowing its public URL). */
  forwardTo(origin: string): void;
  close(): Promise<void>;
}

export async function startPrefixProxy(prefix: string, options: { pass?: (path: string) => boolean } = {}): Promise<PrefixProxy> {
  let upstreamPort: string | undefined;
  const seen: ProxiedRequest[] = [];
  const proxy = createServer((incoming, answer) => {
    const method = incoming.method ?? "GET";
    const path = incoming.url ?? "/";
    const target = path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : options.pass?.(path) ? path : undefined;
    if (target === undefined || upstreamPort === undefined) {
      seen.push({ method, path, status: 404 });
      answer.writeHead(404).end();
      return;
    }
    const upstream = request({ host: "127.0.0.1", port: upstreamPort, method, path: target, headers: incoming.headers }, (reply) => {
      seen.push({ method, path, status: reply.statusCode ?? 502 });
      answer.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(answer);
    });
    upstream.on("error", () => answer.destroy());
    incoming.pipe(upstream);
  });
  const port = await new Promise<number>((resolve) => proxy.listen(0, "127.0.0.1", () => resolve((proxy.address() as { port: number }).port)));
  return {
    base: `http://127.0.0.1:${port}${prefix}`,
    seen,
    forwardTo: (origin) => void (upstreamPort = new URL(origin).port),
    close: () =>
      new Promise((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      }),
  };
}
