/**
 * relay_url's fetch: https only (http too when messaging.relay_allow_private), through the
 * SSRF-safe GET (addresses checked, connection pinned, redirects re-checked, connect, header,
 * idle and total deadlines), body capped. Nothing is stored until the whole body arrived.
 */
import { PatchbayError } from "../errors/index.ts";
import { safeGet, type Deadlines, type SafeResponse } from "../net/index.ts";

export type RelayResponse = SafeResponse;

export interface RelayOptions {
  maxBytes: number;
  allowPrivate: boolean;
  signal?: AbortSignal;
  /** Host name → addresses; replaced in tests. */
  resolve?: (host: string) => Promise<string[]>;
  /** One GET to `url` connected to `address`; replaced in tests. */
  request?: (url: URL, address: string, signal?: AbortSignal) => Promise<RelayResponse>;
  /** Shorter deadlines than the SSRF-safe GET's defaults; replaced in tests. */
  deadlines?: Partial<Deadlines>;
}

const MAX_REDIRECTS = 5;

function refused(url: string, why: string): PatchbayError {
  return new PatchbayError("url_refused", `relay_url refused ${url.slice(0, 200)}: ${why}`, {
    next: "relay only public https:// URLs; upload local files with upload_attachment instead",
  });
}

async function readCapped(response: RelayResponse, maxBytes: number, url: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      response.cancel();
      throw new PatchbayError("attachment_too_large", `${url.slice(0, 200)} is larger than ${maxBytes} bytes (messaging.max_attachment_bytes)`, {
        next: "relay a smaller file",
      });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Fetches `url` safely; the bytes and the content type of the final hop. */
export async function relayFetch(url: string, options: RelayOptions): Promise<{ bytes: Uint8Array; contentType?: string; finalUrl: string }> {
  const { response, finalUrl } = await safeGet(url, {
    schemes: options.allowPrivate ? ["https:", "http:"] : ["https:"],
    allowPrivate: options.allowPrivate,
    maxRedirects: MAX_REDIRECTS,
    signal: options.signal,
    refuse: refused,
    resolve: options.resolve,
    request: options.request,
    deadlines: options.deadlines,
  });
  return { bytes: await readCapped(response, options.maxBytes, finalUrl.href), contentType: response.contentType, finalUrl: finalUrl.href };
}
