/**
 * Downloads for the artifact inbox: http/https through the SSRF-safe GET (every hop's addresses
 * checked, the connection pinned, loopback, private, link-local and metadata targets refused
 * unless `workers.allow_private_downloads`), the body streamed to disk with a size cap and a sha256.
 */
import { createHash } from "node:crypto";
import { open, rm } from "node:fs/promises";
import { PatchbayError } from "../errors/index.ts";
import { type SafeGetOptions, safeGet } from "../net/index.ts";

const MAX_REDIRECTS = 3;

function refused(url: string, why: string): PatchbayError {
  return new PatchbayError("download_refused", `${url.slice(0, 200)}: ${why}`, {
    next: "pass a public http(s) URL; private and loopback targets need workers.allow_private_downloads = true in the server's config.toml",
  });
}

export interface Downloaded {
  bytes: number;
  sha256: string;
  contentType?: string;
}

/** Streams `raw` into `target` (created exclusively, mode 0600), at most `maxBytes`; a failed download leaves no file. */
export async function download(
  raw: string,
  target: string,
  options: { maxBytes: number; allowPrivate: boolean; signal?: AbortSignal } & Pick<SafeGetOptions, "deadlines" | "resolve" | "request">,
): Promise<Downloaded> {
  const { response } = await safeGet(raw, {
    schemes: ["https:", "http:"],
    allowPrivate: options.allowPrivate,
    maxRedirects: MAX_REDIRECTS,
    signal: options.signal,
    refuse: refused,
    deadlines: options.deadlines,
    resolve: options.resolve,
    request: options.request,
  });
  if ((response.contentLength ?? 0) > options.maxBytes) {
    response.cancel();
    throw new PatchbayError("artifact_too_large", `the file is ${response.contentLength} bytes, over the ${options.maxBytes}-byte cap`);
  }
  const hash = createHash("sha256");
  const file = await open(target, "wx", 0o600);
  let bytes = 0;
  try {
    for await (const chunk of response.body) {
      bytes += chunk.length;
      if (bytes > options.maxBytes) {
        response.cancel();
        throw new PatchbayError("artifact_too_large", `the download passed the ${options.maxBytes}-byte cap`);
      }
      hash.update(chunk);
      await file.write(chunk);
    }
  } catch (error) {
    await file.close();
    await rm(target, { force: true });
    throw error;
  }
  await file.close();
  return { bytes, sha256: hash.digest("hex"), ...(response.contentType && { contentType: response.contentType }) };
}
