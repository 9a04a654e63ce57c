/**
 * Finding 10: a server that stalls cannot hold an artifact download or relay_url forever, and a
 * stalled download leaves no partial file. Real HTTP servers on 127.0.0.1 stall in three ways:
 * never answering, answering headers and then nothing, and trickling bytes without end.
 */
import { afterAll, afterEach, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { createServer, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { relayFetch } from "../../src/messaging/relay.ts";
import { download } from "../../src/workers/download.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";

const DEADLINES = { connectMs: 1_000, headersMs: 400, idleMs: 400, totalMs: 1_500 };
/** Generous next to the deadlines above, far below "never". */
const BOUND_MS = 4_000;

let server: Server | undefined;
const held: ServerResponse[] = [];
afterEach(async () => {
  for (const response of held.splice(0)) response.destroy();
  server?.closeAllConnections();
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  server = undefined;
});
afterAll(removeTempDirs);

type Stall = "no-headers" | "headers-then-nothing" | "trickle";

async function stallingServer(stall: Stall): Promise<string> {
  server = createServer((_request, response) => {
    held.push(response);
    if (stall === "no-headers") return;
    response.writeHead(200, { "content-type": "application/octet-stream", "content-length": "100000" });
    response.write("partial-");
    if (stall === "trickle") {
      const timer = setInterval(() => (response.destroyed ? clearInterval(timer) : response.write("x")), 50);
    }
  });
  await new Promise<void>((done) => server!.listen(0, "127.0.0.1", done));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/artifact.bin`;
}

/** Runs `fetching` and answers its error code and how long it took; fails the test past BOUND_MS. */
async function timed(fetching: Promise<unknown>): Promise<{ code: string; ms: number }> {
  const started = Date.now();
  const bound = new Promise<string>((resolve) => setTimeout(() => resolve("still-waiting"), BOUND_MS));
  const code = await Promise.race([
    fetching.then(
      () => "succeeded",
      (error: { code?: string }) => error.code ?? String(error),
    ),
    bound,
  ]);
  return { code, ms: Date.now() - started };
}

for (const stall of ["no-headers", "headers-then-nothing", "trickle"] as const) {
  test(`an artifact download from a server that stalls (${stall}) ends with fetch_timeout and leaves no file`, async () => {
    const url = await stallingServer(stall);
    const target = join(tempDir("patchbay-dl-"), "artifact.bin");
    const result = await timed(download(url, target, { maxBytes: 1_000_000, allowPrivate: true, deadlines: DEADLINES }));
    expect(result.code).toBe("fetch_timeout");
    expect(result.ms).toBeLessThan(BOUND_MS);
    expect(existsSync(target)).toBe(false);
  });
}

test("relay_url from a server that sends headers and then nothing ends with fetch_timeout", async () => {
  const url = await stallingServer("headers-then-nothing");
  const result = await timed(relayFetch(url, { maxBytes: 1_000_000, allowPrivate: true, deadlines: DEADLINES }));
  expect(result.code).toBe("fetch_timeout");
  expect(result.ms).toBeLessThan(BOUND_MS);
});

test("relay_url to a name whose resolver never answers ends with fetch_timeout at the connect deadline", async () => {
  let asked = 0;
  const result = await timed(
    relayFetch("https://stalled-dns.example.com/file", {
      maxBytes: 1_000,
      allowPrivate: false,
      deadlines: DEADLINES,
      resolve: () => {
        asked++;
        return new Promise<string[]>(() => {});
      },
    }),
  );
  expect(asked).toBe(1);
  expect(result.code).toBe("fetch_timeout");
  expect(result.ms).toBeLessThan(BOUND_MS);
});

test("a download the caller cancels mid-body stops at once and leaves no file", async () => {
  const url = await stallingServer("trickle");
  const target = join(tempDir("patchbay-dl-"), "artifact.bin");
  const cancel = new AbortController();
  const fetching = download(url, target, { maxBytes: 1_000_000, allowPrivate: true, signal: cancel.signal });
  // Cancel once the body is flowing (the file exists), not before.
  const deadline = Date.now() + BOUND_MS;
  while (!existsSync(target) && Date.now() < deadline) await Bun.sleep(10);
  expect(existsSync(target)).toBe(true);
  cancel.abort();
  const result = await timed(fetching);
  expect(result.code).not.toBe("still-waiting");
  expect(result.code).not.toBe("succeeded");
  expect(existsSync(target)).toBe(false);
});
