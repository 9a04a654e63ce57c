import { afterAll, describe, expect, test } from "bun:test";
import { createServer } from "node:net";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { removeTempDirs, runPatchbay, startTestServer, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

describe("one server per PATCHBAY_HOME", () => {
  test("a second start adds its port to the running server instead of starting another", async () => {
    const server = await startTestServer();
    try {
      const port = await freePort();
      const second = await runPatchbay(["start", "--port", String(port), "--json"], { home: server.home });
      expect(second.code).toBe(0);
      expect(second.stderr).toContain(`added http://127.0.0.1:${port}/mcp to the running server (pid ${server.process.pid})`);
      const status = JSON.parse((await runPatchbay(["status", "--json"], { home: server.home })).stdout);
      expect(status.http).toEqual([server.url, `http://127.0.0.1:${port}/mcp`]);
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
      const again = await runPatchbay(["start", "--port", String(port)], { home: server.home });
      expect(again.code).toBe(3);
      expect(again.stderr).toContain(`already serves http://127.0.0.1:${port}/mcp`);
    } finally {
      await server.stop();
    }
  });

  test("the ownership record holds the local credential and is readable only by this user", async () => {
    const server = await startTestServer();
    try {
      const file = join(server.home, "run", "server.json");
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const record = JSON.parse(readFileSync(file, "utf8"));
      expect(record).toMatchObject({ pid: server.process.pid, kind: "server", http: [server.url] });
      expect(record.credential).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await server.stop();
    }
  });

  test("status, then stop, then status again", async () => {
    const server = await startTestServer();
    const status = await runPatchbay(["status"], { home: server.home });
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`is running (pid ${server.process.pid})`);
    expect(status.stdout).toContain(server.url);
    const stop = await runPatchbay(["stop", "--json"], { home: server.home });
    expect(stop.code).toBe(0);
    expect(JSON.parse(stop.stdout)).toEqual({ stopped: true, pid: server.process.pid, home: server.home });
    await server.stop();
    const after = await runPatchbay(["status", "--json"], { home: server.home });
    expect(after.code).toBe(1);
    expect(JSON.parse(after.stdout)).toEqual({ running: false, home: server.home });
    expect(() => statSync(join(server.home, "run", "server.json"))).toThrow();
  });

  test("a lock left by a killed server is detected and taken over", async () => {
    const first = await startTestServer();
    first.process.kill("SIGKILL");
    await first.stop();
    expect(statSync(join(first.home, "run", "server.json")).isFile()).toBe(true);
    const status = await runPatchbay(["status", "--json"], { home: first.home });
    expect(JSON.parse(status.stdout).running).toBe(false);
    const second = await startTestServer({ home: first.home });
    try {
      const record = JSON.parse(readFileSync(join(first.home, "run", "server.json"), "utf8"));
      expect(record.pid).toBe(second.process.pid);
      expect((await fetch(new URL("/health", second.url))).status).toBe(200);
    } finally {
      await second.stop();
    }
  });

  test("stop with no server running says so and succeeds", async () => {
    const home = tempDir();
    const result = await runPatchbay(["stop"], { home });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("nothing to stop");
  });
});
