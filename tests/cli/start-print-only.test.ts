/**
 * Issue #15: `patchbay start --print-only` tells the truth about a listen address that is not
 * loopback: the address the server really binds (what `patchbay status` then reports), the URL
 * this machine uses, and the URL a remote host uses (server.public_url when set).
 */
import { afterAll, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { removeTempDirs, runPatchbay, startTestServer, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

interface Guide {
  server_url: string;
  listen: string;
  remote_url: string | null;
}

function freePort(): Promise<string> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(String(port)));
    });
  });
}

async function printed(home: string, args: string[]): Promise<{ guide: Guide; text: string[] }> {
  const json = await runPatchbay(["start", "--print-only", "--json", ...args], { home });
  expect(json.code, json.stderr).toBe(0);
  const text = await runPatchbay(["start", "--print-only", ...args], { home });
  return { guide: (JSON.parse(json.stdout) as { setup_guide: Guide }).setup_guide, text: text.stdout.split("\n") };
}

test("the default loopback listen: one URL, no remote line", async () => {
  const { guide, text } = await printed(tempDir(), ["--port", "8123"]);
  expect(guide).toMatchObject({ server_url: "http://127.0.0.1:8123/mcp", listen: "127.0.0.1:8123", remote_url: null });
  expect(text[0]).toBe("patchbay would serve MCP at http://127.0.0.1:8123/mcp");
  expect(text.some((line) => line.startsWith("  remote:"))).toBe(false);
});

test("--host 0.0.0.0: prints the wildcard listen the server then really has, the local URL, and what a remote host needs", async () => {
  const home = tempDir();
  const port = await freePort();
  const { guide, text } = await printed(home, ["--host", "0.0.0.0", "--port", port]);
  expect(guide).toMatchObject({ server_url: `http://127.0.0.1:${port}/mcp`, listen: `0.0.0.0:${port}`, remote_url: null });
  expect(text[0]).toBe(`patchbay would listen on 0.0.0.0:${port} (every interface); from this machine: http://127.0.0.1:${port}/mcp`);
  expect(text[1]).toBe(`  remote:     http://<this machine's address>:${port}/mcp (set server.public_url to the URL remote hosts use)`);

  // What it printed is what the started server binds.
  const server = await startTestServer({ home, args: ["--host", "0.0.0.0", "--port", port], env: { PATCHBAY_HTTP_TOKEN: randomBytes(32).toString("hex") } });
  try {
    const status = await runPatchbay(["status", "--json"], { home });
    expect((JSON.parse(status.stdout) as { http: string[] }).http).toEqual([`http://${guide.listen}/mcp`]);
  } finally {
    await server.stop();
  }
}, 60_000);

test("--host 0.0.0.0 with server.public_url: the remote URL is the public one", async () => {
  const home = tempDir();
  writeFileSync(join(home, "config.toml"), '[server]\npublic_url = "https://pb.example.test/team/"\n');
  const { guide, text } = await printed(home, ["--host", "0.0.0.0", "--port", "8123"]);
  expect(guide).toMatchObject({ listen: "0.0.0.0:8123", remote_url: "https://pb.example.test/team/mcp" });
  expect(text[1]).toBe("  remote:     https://pb.example.test/team/mcp");
});
