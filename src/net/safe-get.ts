/**
 * A GET that cannot be turned against the machine it runs on (SSRF): the host is resolved here
 * and every address checked, the connection is pinned to a checked address (so DNS rebinding
 * between the check and the connect cannot move it; TLS still verifies the URL's host name), and
 * redirects are followed by hand with the same checks on every hop.
 *
 * A server that stalls cannot hold a caller forever: connecting, the response headers, every
 * pause between body chunks and the whole fetch (redirects and body included) have deadlines;
 * past one the connection is dropped and the caller gets `fetch_timeout`.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import type { IncomingMessage } from "node:http";
import type { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import { PatchbayError } from "../errors/index.ts";
import { isBlockedAddress } from "./addresses.ts";

export interface SafeResponse {
  status: number;
  location?: string;
  contentType?: string;
  contentLength?: number;
  body: AsyncIterable<Uint8Array>;
  cancel(): void;
}

/** Milliseconds allowed for each phase of a fetch. */
export interface Deadlines {
  /** From the request to an open connection. */
  connectMs: number;
  /** From the request to the response headers (connecting included). */
  headersMs: number;
  /** Longest pause between two body chunks. */
  idleMs: number;
  /** The whole fetch: every redirect hop and the body, until its last byte. */
  totalMs: number;
}

export const DEFAULT_DEADLINES: Deadlines = { connectMs: 10_000, headersMs: 30_000, idleMs: 30_000, totalMs: 10 * 60_000 };

export interface SafeGetOptions {
  /** Schemes allowed, e.g. ["https:"]; private targets are reachable only with allowPrivate. */
  schemes: readonly string[];
  allowPrivate: boolean;
  maxRedirects: number;
  signal?: AbortSignal;
  /** Builds the caller's refusal (its own error code and next step). */
  refuse: (url: string, why: string) => PatchbayError;
  /** Host name → addresses; replaced in tests. */
  resolve?: (host: string) => Promise<string[]>;
  /** One GET to `url` connected to `address`; replaced in tests. */
  request?: (url: URL, address: string, signal?: AbortSignal, connectMs?: number) => Promise<SafeResponse>;
  /** Shorter (or longer) deadlines than DEFAULT_DEADLINES. */
  deadlines?: Partial<Deadlines>;
}

const MAX_URL_CHARS = 4096;
const LOCAL_SUFFIXES = [".localhost", ".local", ".internal", ".localdomain", ".home.arpa"];

async function defaultResolve(host: string): Promise<string[]> {
  return (await dnsLookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
}

function timedOut(url: URL, what: string): PatchbayError {
  return new PatchbayError("fetch_timeout", `fetching ${url.href.slice(0, 200)} stopped: ${what}`, {
    next: `the server at ${url.host} stalled; try again later, or use another URL`,
  });
}

async function defaultRequest(url: URL, address: string, signal?: AbortSignal, connectMs = DEFAULT_DEADLINES.connectMs): Promise<SafeResponse> {
  // Loaded on the first fetch: node:http and node:https cost every start a few milliseconds, and most sessions never fetch.
  const { request: send } = url.protocol === "https:" ? await import("node:https") : await import("node:http");
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: "GET",
        signal,
        headers: { "user-agent": "patchbay", accept: "*/*" },
        lookup: (_host: string, options: { all?: boolean }, done: (...args: unknown[]) => void) => {
          const family = isIP(address);
          if (options?.all) done(null, [{ address, family }]);
          else done(null, address, family);
        },
      } as Parameters<typeof httpsRequest>[1],
      (response: IncomingMessage) => {
        const length = Number(response.headers["content-length"]);
        resolve({
          status: response.statusCode ?? 0,
          location: typeof response.headers.location === "string" ? response.headers.location : undefined,
          contentType: response.headers["content-type"],
          ...(Number.isFinite(length) && { contentLength: length }),
          body: response,
          cancel: () => response.destroy(),
        });
      },
    );
    req.on("error", reject);
    req.on("socket", (socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(() => req.destroy(timedOut(url, `no connection within ${connectMs / 1000}s`)), connectMs);
      socket.once("connect", () => clearTimeout(timer));
      socket.once("close", () => clearTimeout(timer));
    });
    req.end();
  });
}

/** The address to connect to for `url`, after checking the scheme, the name and every address. */
async function checkedAddress(url: URL, options: SafeGetOptions): Promise<string> {
  const text = url.href;
  if (!options.schemes.includes(url.protocol)) throw options.refuse(text, `only ${options.schemes.join(" and ")} URLs are fetched`);
  if (url.username || url.password) throw options.refuse(text, "URLs with credentials are refused");
  const host = url.hostname
    .replace(/^\[|\]$/g, "")
    .toLowerCase()
    .replace(/\.$/, "");
  if (!options.allowPrivate && (host === "localhost" || LOCAL_SUFFIXES.some((suffix) => host.endsWith(suffix))))
    throw options.refuse(text, `${host} is a local name`);
  const addresses = isIP(host)
    ? [host]
    : await (options.resolve ?? defaultResolve)(host).catch(() => {
        throw options.refuse(text, `${host} does not resolve`);
      });
  if (addresses.length === 0) throw options.refuse(text, `${host} does not resolve`);
  const blocked = addresses.find((address) => isBlockedAddress(address));
  if (blocked && !options.allowPrivate) throw options.refuse(text, `${host} resolves to ${blocked}, a private, loopback, link-local or reserved address`);
  return addresses[0] as string;
}

const TIMEOUT = Symbol("timeout");

/** `promise`, or TIMEOUT when it has not settled within `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expiry = new Promise<typeof TIMEOUT>((resolve) => (timer = setTimeout(() => resolve(TIMEOUT), Math.max(0, ms))));
  try {
    return await Promise.race([promise, expiry]);
  } finally {
    clearTimeout(timer);
  }
}

/** The response body, failing with fetch_timeout after a pause longer than idleMs or at the total deadline. */
function deadlineBody(response: SafeResponse, url: URL, idleMs: number, endsAt: number, totalMs: number): AsyncIterable<Uint8Array> {
  return {
    async *[Symbol.asyncIterator]() {
      const chunks = response.body[Symbol.asyncIterator]();
      for (;;) {
        const next = await within(chunks.next(), Math.min(idleMs, endsAt - Date.now()));
        if (next === TIMEOUT) {
          response.cancel();
          throw timedOut(url, Date.now() >= endsAt ? `the download took longer than ${totalMs / 1000}s` : `no data for ${idleMs / 1000}s`);
        }
        if (next.done) return;
        yield next.value;
      }
    },
  };
}

/** One hop's response headers within the deadline; on expiry the request is aborted and any late answer dropped. */
async function headersWithin(url: URL, address: string, options: SafeGetOptions, deadlines: Deadlines, endsAt: number): Promise<SafeResponse> {
  // The caller's signal stays linked for the whole response, body included.
  const expired = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, expired.signal]) : expired.signal;
  const pending = (options.request ?? defaultRequest)(url, address, signal, deadlines.connectMs);
  try {
    const response = await within(pending, Math.min(deadlines.headersMs, endsAt - Date.now()));
    if (response !== TIMEOUT) return response;
    expired.abort();
    pending.then(
      (late) => late.cancel(),
      () => undefined,
    );
    throw timedOut(
      url,
      Date.now() >= endsAt ? `the download took longer than ${deadlines.totalMs / 1000}s` : `no response headers within ${deadlines.headersMs / 1000}s`,
    );
  } catch (error) {
    if (error instanceof PatchbayError) throw error;
    throw new PatchbayError("fetch_failed", `fetching ${url.href.slice(0, 200)} failed: ${(error as Error).message}`, { next: "check the URL and try again" });
  }
}

/**
 * GETs `url` and answers the final hop's 2xx response (its body still to read, under the idle and
 * total deadlines), or throws the caller's refusal, `fetch_timeout`, or `fetch_failed` for a
 * network error or a non-2xx answer.
 *
 * @example
 * const { response } = await safeGet("https://example.com/a.zip", { schemes: ["https:"], allowPrivate: false, maxRedirects: 5, refuse });
 */
export async function safeGet(url: string, options: SafeGetOptions): Promise<{ response: SafeResponse; finalUrl: URL }> {
  if (url.length > MAX_URL_CHARS) throw options.refuse(url, `the URL is longer than ${MAX_URL_CHARS} characters`);
  if (!URL.canParse(url)) throw options.refuse(url, "it is not a URL");
  const deadlines = { ...DEFAULT_DEADLINES, ...options.deadlines };
  const endsAt = Date.now() + deadlines.totalMs;
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    // A resolver that never answers is a stall too: name resolution counts against the connect deadline.
    const address = await within(checkedAddress(current, options), Math.min(deadlines.connectMs, endsAt - Date.now()));
    if (address === TIMEOUT) throw timedOut(current, `${current.hostname} did not resolve within ${deadlines.connectMs / 1000}s`);
    const response = await headersWithin(current, address, options, deadlines, endsAt);
    if (response.status >= 300 && response.status < 400 && response.location) {
      response.cancel();
      if (hop >= options.maxRedirects) throw options.refuse(url, `more than ${options.maxRedirects} redirects`);
      current = new URL(response.location, current);
      continue;
    }
    if (response.status < 200 || response.status >= 300) {
      response.cancel();
      throw new PatchbayError("fetch_failed", `${current.href.slice(0, 200)} answered HTTP ${response.status}`, { next: "check the URL; it may have expired" });
    }
    const body = deadlineBody(response, current, deadlines.idleMs, endsAt, deadlines.totalMs);
    return {
      response: {
        status: response.status,
        location: response.location,
        contentType: response.contentType,
        contentLength: response.contentLength,
        body,
        cancel: () => response.cancel(),
      },
      finalUrl: current,
    };
  }
}
