/**
 * An artifact download whose public first hop redirects to this machine is refused at that hop,
 * before any connection: the effect checked is a connection counter on every local address.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { existsSync } from "node:fs";
import type { SafeResponse } from "../../src/net/index.ts";
import { download } from "../../src/workers/download.ts";
import { type HitCounter, startHitCounter } from "../support/hit-counter.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";

/** A public address (documentation ranges are refused as reserved); only the injected request ever answers for it. */
const PUBLIC = "93.184.216.34";
const resolve = async (host: string) => ({ "files.test": [PUBLIC], "loop.test": ["127.0.0.1"] })[host] ?? [];

let counter: HitCounter;
beforeAll(async () => void (counter = await startHitCounter()));
afterAll(async () => {
  await counter.close();
  removeTempDirs();
});

function redirectTo(location: string): SafeResponse {
  return { status: 302, location, body: (async function* () {})(), cancel: () => {} };
}

test("a redirect to loopback, a local name or ::1 is refused at the hop, connects nowhere and leaves no file", async () => {
  const before = counter.hits();
  for (const target of [
    `http://127.0.0.1:${counter.port}/x`,
    `http://loop.test:${counter.port}/x`,
    `http://[::1]:${counter.port}/x`,
    `http://localhost:${counter.port}/x`,
  ]) {
    const file = join(tempDir("patchbay-dl-"), "artifact.bin");
    const hops: string[] = [];
    const request = async (url: URL) => (hops.push(url.href), redirectTo(target));
    const error = await download("https://files.test/report.zip", file, { maxBytes: 1000, allowPrivate: false, resolve, request }).catch(
      (caught: { code?: string }) => caught,
    );
    expect([target, (error as { code?: string }).code]).toEqual([target, "download_refused"]);
    expect(hops).toEqual(["https://files.test/report.zip"]);
    expect(existsSync(file)).toBe(false);
  }
  expect(counter.hits()).toBe(before);
});
