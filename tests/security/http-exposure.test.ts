/**
 * Finding 11 (exposure): a token guarding a non-loopback bind or a tunnel must be strong: at
 * least 32 characters, not one string repeated, at least 10 different characters and 80 bits by
 * its character frequencies. Through the real binary: a weak token starts nothing (no listener, no
 * owner record, no tunnel process); a random one serves.
 */
import { afterAll, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { removeTempDirs, runPatchbay, startTestServer, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

const WEAK = ["x", "a".repeat(64), "abcd".repeat(10), `password${"password".repeat(4)}1`];

test.each(WEAK)("--host 0.0.0.0 with the weak token %p exits 2 and leaves nothing running", async (token) => {
  const home = tempDir();
  const result = await runPatchbay(["start", "--host", "0.0.0.0", "--port", "0"], { home, env: { PATCHBAY_HTTP_TOKEN: token }, timeoutMs: 15_000 });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain("PATCHBAY_HTTP_TOKEN");
  expect(result.stderr).toContain("openssl rand -hex 32");
  // The refusal names the rule, never the token itself ("x" is too short to look for).
  if (token.length > 1) expect(result.stderr).not.toContain(token);
  expect(existsSync(join(home, "run", "server.json"))).toBe(false);
});

test("a tunnel with a weak token is refused before the tunnel command runs", async () => {
  const home = tempDir();
  const marker = join(home, "tunnel-ran");
  const result = await runPatchbay(
    ["start", "--port", "0", "--tunnel-mode", "custom", "--public-url", "https://tunnel.example.com", "--tunnel-command", `touch ${marker}`],
    { home, env: { PATCHBAY_HTTP_TOKEN: "short-token" }, timeoutMs: 15_000 },
  );
  expect(result.code).toBe(2);
  expect(result.stderr).toContain("tunnel");
  expect(existsSync(marker)).toBe(false);
  expect(existsSync(join(home, "run", "server.json"))).toBe(false);
});

test("a random 64-hex token serves on 0.0.0.0, and the token it prints stays redacted", async () => {
  const token = randomBytes(32).toString("hex");
  const server = await startTestServer({ args: ["--host", "0.0.0.0"], env: { PATCHBAY_HTTP_TOKEN: token } });
  try {
    const port = new URL(server.url).port;
    const unauthorized = await fetch(`http://127.0.0.1:${port}/mcp`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(unauthorized.status).toBe(401);
    expect(server.stderr()).not.toContain(token);
  } finally {
    await server.stop();
  }
});
