/**
 * relay_url's fetch: https only, DNS resolved here and every address checked, the connection
 * pinned to a checked address (so DNS rebinding between check and connect cannot move it), and
 * redirects followed by hand with the same checks on every hop.
 */
import { lookup as dnsLookup } from "node:dns/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import { PatchbayError } from "../errors/index.ts";
import { isBlockedAddress } from "./addresses.ts";

export interface RelayResponse {
  status: number;
  location?: string;
  contentType?: string;
  body: AsyncIterable<Uint8Array>;
  cancel(): void;
}

export interface RelayOptions {
  maxBytes: number;
  allowPrivate: boolean;
  signal?: AbortSignal;
  /** Host name → addresses; replaced in tests. */
  resolve?: (host: string) => Promise<string[]>;
  /** One GET to `url` connected to `address`; replaced in tests. */
  request?: (url: URL, address: string, signal?: AbortSignal) => Promise<RelayResponse>;
}

const MAX_URL_CHARS = 4096;
const MAX_REDIRECTS = 5;
const BLOCKED_SUFFIXES = [".localhost", ".local", ".internal", ".localdomain", ".home.arpa"];

function refused(url: string, why: string): PatchbayError {
  return new PatchbayError("url_refused", `relay_url refused ${url.slice(0, 200)}: ${why}`, {
    next: "relay only public https:// URLs; upload local files with upload_attachment instead",
  });
}

async function defaultResolve(host: string): Promise<string[]> {
  return (await dnsLookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
}

function defaultRequest(url: URL, address: string, signal?: AbortSignal): Promise<RelayResponse> {
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: "GET",
        signal,
        headers: { "user-agent": "patchbay-relay", accept: "*/*" },
        // Pin the connection to the address we checked; TLS still verifies the URL's host name.
        lookup: (_host: string, options: { all?: boolean }, done: (...args: unknown[]) => void) => {
          const family = isIP(address);
          if (options?.all) done(null, [{ address, family }]);
          else done(null, address, family);
        },
      } as Parameters<typeof httpsRequest>[1],
      (response: IncomingMessage) =>
        resolve({
          status: response.statusCode ?? 0,
          location: typeof response.headers.location === "string" ? response.headers.location : undefined,
          contentType: response.headers["content-type"],
          body: response,
          cancel: () => response.destroy(),
        }),
    );
    req.on("error", reject);
    req.end();
  });
}

async function checkedAddress(url: URL, options: RelayOptions): Promise<string> {
  const text = url.href;
  const allowedSchemes = options.allowPrivate ? ["https:", "http:"] : ["https:"];
  if (!allowedSchemes.includes(url.protocol)) throw refused(text, `only ${allowedSchemes.join(" and ")} URLs are relayed`);
  if (url.username || url.password) throw refused(text, "URLs with credentials are not relayed");
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase().replace(/\.$/, "");
  if (!options.allowPrivate && (host === "localhost" || BLOCKED_SUFFIXES.some((suffix) => host.endsWith(suffix)))) throw refused(text, `${host} is a local name`);
  const addresses = isIP(host) ? [host] : await (options.resolve ?? defaultResolve)(host).catch(() => {
    throw refused(text, `${host} does not resolve`);
  });
  if (addresses.length === 0) throw refused(text, `${host} does not resolve`);
  const blocked = addresses.find((address) => isBlockedAddress(address));
  if (blocked && !options.allowPrivate) throw refused(text, `${host} resolves to ${blocked}, a private, loopback, link-local or reserved address`);
  return addresses[0] as string;
}

async function readCapped(response: RelayResponse, maxBytes: number, url: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      response.cancel();
      throw new PatchbayError("attachment_too_large", `${url.slice(0, 200)} is larger than ${maxBytes} bytes (messaging.max_attachment_bytes)`, { next: "relay a smaller file" });
    }
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Fetches `url` safely; the bytes and the content type of the final hop. */
export async function relayFetch(url: string, options: RelayOptions): Promise<{ bytes: Uint8Array; contentType?: string; finalUrl: string }> {
  if (url.length > MAX_URL_CHARS) throw refused(url, `the URL is longer than ${MAX_URL_CHARS} characters`);
  if (!URL.canParse(url)) throw refused(url, "it is not a URL");
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const address = await checkedAddress(current, options);
    const response = await (options.request ?? defaultRequest)(current, address, options.signal).catch((error: Error) => {
      if (error instanceof PatchbayError) throw error;
      throw new PatchbayError("relay_failed", `fetching ${current.href.slice(0, 200)} failed: ${error.message}`, { next: "check the URL and try again" });
    });
    if (response.status >= 300 && response.status < 400 && response.location) {
      response.cancel();
      if (hop >= MAX_REDIRECTS) throw refused(url, `more than ${MAX_REDIRECTS} redirects`);
      current = new URL(response.location, current);
      continue;
    }
    if (response.status < 200 || response.status >= 300) {
      response.cancel();
      throw new PatchbayError("relay_failed", `${current.href.slice(0, 200)} answered HTTP ${response.status}`, { next: "check the URL" });
    }
    return { bytes: await readCapped(response, options.maxBytes, current.href), contentType: response.contentType, finalUrl: current.href };
  }
}
