/**
 * The base URL a caller reaches this server at, for every URL patchbay hands out (attachment
 * URLs, the self test's endpoints). A remote caller must never get a wildcard (0.0.0.0, ::) or
 * loopback address: it could not use it, and a loopback URL would point at its own machine.
 */
import { PatchbayError } from "../errors/index.ts";
import { isLoopbackHost } from "../net/index.ts";
import type { AppServices, Endpoint } from "./services.ts";

/** What the base depends on: the settings, the listeners, and the HTTP request of the call (none over stdio). */
export interface CallerOrigin {
  app: Pick<AppServices, "config" | "endpoints">;
  request?: Request;
}

const WILDCARDS = new Set(["0.0.0.0", "[::]", "::"]);

const withoutSlash = (url: string) => url.replace(/\/+$/, "");

/** A listener's origin, with a wildcard bind replaced by the loopback address of its family. */
function localOrigin(listenerUrl: string): string {
  const url = new URL(listenerUrl);
  if (url.hostname === "0.0.0.0") url.hostname = "127.0.0.1";
  else if (url.hostname === "[::]") url.hostname = "[::1]";
  return url.origin;
}

function unreachable(why: string): PatchbayError {
  return new PatchbayError("public_url_unknown", `patchbay cannot tell which URL reaches it from this caller: ${why}`, {
    next: 'set server.public_url to the URL callers reach this server at (public_url = "https://…" under [server] in $PATCHBAY_HOME/config.toml), or start it with a tunnel',
  });
}

/**
 * The base (origin and any path prefix, no trailing slash): server.public_url (which a running
 * tunnel sets) first; else, over HTTP, the request's own Host, which the Host guard in front of
 * /mcp has already checked against the allowed hosts; else (stdio, the CLI: this machine) the
 * HTTP listener, with a wildcard bind read as loopback.
 *
 * @example callerBaseUrl({ app, request }) // "https://pb.example.com" or "http://127.0.0.1:8000"
 */
export function callerBaseUrl({ app, request }: CallerOrigin): string {
  const configured = app.config.server.public_url;
  if (configured) return withoutSlash(configured);
  if (request) {
    const host = request.headers.get("host");
    if (!host) throw unreachable("the request carries no Host header");
    const url = new URL(`${new URL(request.url).protocol}//${host}`);
    if (WILDCARDS.has(url.hostname)) throw unreachable(`the request's Host is the wildcard address ${host}`);
    return url.origin;
  }
  const listener = app.endpoints().find((endpoint) => endpoint.kind === "http");
  if (!listener)
    throw new PatchbayError("http_not_listening", "the server has no HTTP listener, so it has no URL to hand out", {
      next: "start the server with HTTP (`patchbay start`), or set server.public_url",
    });
  return localOrigin(listener.url);
}

const isRemote = (request: Request | undefined) => {
  const host = request?.headers.get("host");
  return request !== undefined && !(host && isLoopbackHost(new URL(`http://${host}`).hostname));
};

/**
 * The endpoints to show a caller: a remote one gets only the base it can use; a local one the
 * listeners (a wildcard bind as loopback) and server.public_url.
 */
export function endpointsFor(origin: CallerOrigin): Endpoint[] {
  if (isRemote(origin.request)) {
    const base = ownBaseUrls(origin)[0];
    return base ? [{ kind: "http", url: `${base}/mcp` }] : [];
  }
  const urls = origin.app
    .endpoints()
    .map((endpoint) => (endpoint.kind === "http" ? { kind: endpoint.kind, url: `${localOrigin(endpoint.url)}${new URL(endpoint.url).pathname}` } : endpoint));
  const configured = origin.app.config.server.public_url;
  return configured ? [...urls, { kind: "http", url: `${withoutSlash(configured)}/mcp` }] : urls;
}

/**
 * Every base this server answers to for `origin`'s caller: the one it would hand out, plus each
 * listener's local origin for a caller on this machine. A URL outside these is another host's.
 */
export function ownBaseUrls(origin: CallerOrigin): string[] {
  const bases = new Set<string>();
  try {
    bases.add(callerBaseUrl(origin));
  } catch {
    // No base for this caller: only the listeners' own origins remain.
  }
  if (!isRemote(origin.request)) for (const endpoint of origin.app.endpoints()) if (endpoint.kind === "http") bases.add(localOrigin(endpoint.url));
  return [...bases];
}
