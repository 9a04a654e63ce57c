/**
 * A GET that cannot be turned against the machine it runs on (SSRF): the host is resolved here
 * and every address checked, the connection is pinned to a checked address (so DNS rebinding
 * between the check and the connect cannot move it; TLS still verifies the URL's host name), and
 * redirects are followed by hand with the same checks on every hop.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
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
  request?: (url: URL, address: string, signal?: AbortSignal) => Promise<SafeResponse>;
}

const MAX_URL_CHARS = 4096;
const LOCAL_SUFFIXES = [".localhost", ".local", ".internal", ".localdomain", ".home.arpa"];

async function defaultResolve(host: string): Promise<string[]> {
  return (await dnsLookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
}

function defaultRequest(url: URL, address: string, signal?: AbortSignal): Promise<SafeResponse> {
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
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
    req.end();
  });
}

/** The address to connect to for `url`, after checking the scheme, the name and every address. */
async function checkedAddress(url: URL, options: SafeGetOptions): Promise<string> {
  const text = url.href;
  if (!options.schemes.includes(url.protocol)) throw options.refuse(text, `only ${options.schemes.join(" and ")} URLs are fetched`);
  if (url.username || url.password) throw options.refuse(text, "URLs with credentials are refused");
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase().replace(/\.$/, "");
  if (!options.allowPrivate && (host === "localhost" || LOCAL_SUFFIXES.some((suffix) => host.endsWith(suffix)))) throw options.refuse(text, `${host} is a local name`);
  const addresses = isIP(host) ? [host] : await (options.resolve ?? defaultResolve)(host).catch(() => {
    throw options.refuse(text, `${host} does not resolve`);
  });
  if (addresses.length === 0) throw options.refuse(text, `${host} does not resolve`);
  const blocked = addresses.find((address) => isBlockedAddress(address));
  if (blocked && !options.allowPrivate) throw options.refuse(text, `${host} resolves to ${blocked}, a private, loopback, link-local or reserved address`);
  return addresses[0] as string;
}

/**
 * GETs `url` and answers the final hop's 2xx response (its body still to read), or throws the
 * caller's refusal, or `fetch_failed` for a network error or a non-2xx answer.
 *
 * @example
 * const { response } = await safeGet("https://example.com/a.zip", { schemes: ["https:"], allowPrivate: false, maxRedirects: 5, refuse });
 */
export async function safeGet(url: string, options: SafeGetOptions): Promise<{ response: SafeResponse; finalUrl: URL }> {
  if (url.length > MAX_URL_CHARS) throw options.refuse(url, `the URL is longer than ${MAX_URL_CHARS} characters`);
  if (!URL.canParse(url)) throw options.refuse(url, "it is not a URL");
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const address = await checkedAddress(current, options);
    const response = await (options.request ?? defaultRequest)(current, address, options.signal).catch((error: Error) => {
      if (error instanceof PatchbayError) throw error;
      throw new PatchbayError("fetch_failed", `fetching ${current.href.slice(0, 200)} failed: ${error.message}`, { next: "check the URL and try again" });
    });
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
    return { response, finalUrl: current };
  }
}
