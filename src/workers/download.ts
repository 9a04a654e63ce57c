/**
 * Downloads for the artifact inbox: http/https only, every hop's host resolved and refused when
 * it is loopback, private, link-local, CGNAT or a cloud metadata address (unless the operator
 * allows private targets: `workers.allow_private_downloads`), redirects followed by hand and checked the same way, the body
 * streamed to disk with a size cap and a sha256.
 */
import { createHash } from "node:crypto";
import { lookup } from "node:dns/promises";
import { open } from "node:fs/promises";
import { isIP } from "node:net";
import { PatchbayError } from "../errors/index.ts";

const MAX_REDIRECTS = 3;
const MAX_URL_LENGTH = 4096;

function ipv4Private(address: string): boolean {
  const [a, b] = address.split(".").map(Number) as [number, number];
  return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || a >= 224;
}

/** True for any address a download must not reach by default. */
export function isPrivateAddress(address: string): boolean {
  if (isIP(address) === 4) return ipv4Private(address);
  const lower = address.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return ipv4Private(mapped[1]!);
  return lower === "::" || lower === "::1" || lower.startsWith("fe8") || lower.startsWith("fe9") || lower.startsWith("fea") || lower.startsWith("feb") || lower.startsWith("fc") || lower.startsWith("fd") || lower.startsWith("ff");
}

function refused(url: string, why: string): PatchbayError {
  return new PatchbayError("download_refused", `${url.slice(0, 200)}: ${why}`, { next: "pass a public http(s) URL; private and loopback targets need workers.allow_private_downloads = true in the server's config.toml" });
}

/** Checks one URL: scheme, length, and every address its host resolves to. */
export async function assertPublicUrl(raw: string, allowPrivate: boolean): Promise<URL> {
  if (raw.length > MAX_URL_LENGTH) throw refused(raw, `longer than ${MAX_URL_LENGTH} characters`);
  if (!URL.canParse(raw)) throw refused(raw, "not a URL");
  const url = new URL(raw);
  if (url.protocol !== "https:" && url.protocol !== "http:") throw refused(raw, `${url.protocol} URLs are not downloaded (http and https only)`);
  if (url.username || url.password) throw refused(raw, "URLs with credentials are refused");
  if (allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (/\.(local|internal|localhost)$/i.test(host) || host.toLowerCase() === "localhost") throw refused(raw, `${host} is a local name`);
  const addresses = isIP(host) ? [{ address: host }] : await lookup(host, { all: true, verbatim: true }).catch(() => {
    throw refused(raw, `cannot resolve ${host}`);
  });
  const bad = addresses.find((entry) => isPrivateAddress(entry.address));
  if (bad) throw refused(raw, `${host} resolves to ${bad.address}, a loopback, private, link-local or metadata address`);
  return url;
}

export interface Downloaded {
  bytes: number;
  sha256: string;
  contentType?: string;
}

/**
 * Streams `raw` into `target` (created exclusively, mode 0600), at most `maxBytes`.
 * The address is checked before the request; a resolver that changes its answer between the check
 * and the connection (DNS rebinding) is not covered, since fetch cannot be pinned to an address.
 */
export async function download(raw: string, target: string, options: { maxBytes: number; allowPrivate: boolean; signal?: AbortSignal }): Promise<Downloaded> {
  let url = await assertPublicUrl(raw, options.allowPrivate);
  let response: Response | undefined;
  for (let hop = 0; ; hop++) {
    response = await fetch(url, { redirect: "manual", signal: options.signal });
    if (response.status < 300 || response.status >= 400) break;
    const location = response.headers.get("location");
    await response.body?.cancel();
    if (!location || hop >= MAX_REDIRECTS) throw refused(url.href, hop >= MAX_REDIRECTS ? "too many redirects" : "a redirect without a location");
    url = await assertPublicUrl(new URL(location, url).href, options.allowPrivate);
  }
  if (!response.ok || !response.body) throw new PatchbayError("download_failed", `${url.host} answered ${response.status}`, { next: "check the URL; it may have expired" });
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > options.maxBytes) {
    await response.body.cancel();
    throw new PatchbayError("artifact_too_large", `the file is ${declared} bytes, over the ${options.maxBytes}-byte cap`);
  }
  const hash = createHash("sha256");
  const file = await open(target, "wx", 0o600);
  let bytes = 0;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      if (bytes > options.maxBytes) throw new PatchbayError("artifact_too_large", `the download passed the ${options.maxBytes}-byte cap`);
      hash.update(chunk);
      await file.write(chunk);
    }
  } finally {
    await file.close();
  }
  return { bytes, sha256: hash.digest("hex"), ...(response.headers.get("content-type") && { contentType: response.headers.get("content-type")! }) };
}
