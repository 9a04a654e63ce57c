import { afterAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { connectStdio, GENERATIONS } from "../support/clients.ts";
import { patchbayBinary, patchbayEnv, removeTempDirs, repoRoot, runPatchbay, tempDir } from "../support/patchbay.ts";
import { until } from "../support/until.ts";
import { expectEveryBehaviour } from "./catalog-behaviour.ts";

afterAll(removeTempDirs);

describe("stdio --standalone (compiled binary, in-process server)", () => {
  for (const generation of GENERATIONS) {
    test(`${generation}: handshake, tools/list, mode switch with list_changed, self test with progress, errors`, () =>
      expectEveryBehaviour(() => connectStdio(generation, { home: tempDir(), args: ["--standalone", "--root", repoRoot] })));
  }
});

describe("stdio relayed to the shared server", () => {
  const home = tempDir();
  afterAll(async () => void (await runPatchbay(["stop"], { home })));

  for (const generation of GENERATIONS) {
    test(`${generation}: the same behaviour through the relay`, () =>
      expectEveryBehaviour(() => connectStdio(generation, { home, args: ["--root", repoRoot] })));
  }

  test("two stdio sessions share one server, keep their own tool mode and roots, and the server outlives them", async () => {
    const other = tempDir();
    const first = await connectStdio("v1", { home, args: ["--root", repoRoot] });
    const second = await connectStdio("v2-legacy", { home, args: ["--root", other, "--tool-mode", "standard"] });
    try {
      const self = (await first.callTool("codex_self_test")).structuredContent as { active_sessions: number; client_ref: string };
      expect(self.active_sessions).toBe(2);
      expect(await second.listToolNames()).toContain("codex_plan_job");
      expect(await first.listToolNames()).not.toContain("codex_plan_job");
      const config = (await second.callTool("codex_get_config")).structuredContent as { session: { default_root: string } };
      expect(config.session.default_root).toBe(other);
      const otherRef = ((await second.callTool("codex_self_test")).structuredContent as { client_ref: string }).client_ref;
      expect(otherRef).not.toBe(self.client_ref);
    } finally {
      await first.close();
      await second.close();
    }
    const status = await runPatchbay(["status", "--json"], { home });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ running: true, kind: "server", sessions: { total: 0 } });
  });

  test("--standalone refuses while a server owns the state directory", async () => {
    const result = await runPatchbay(["stdio", "--standalone"], { home });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`a patchbay server (pid`);
    expect(result.stderr).toContain(`already owns ${home}`);
  });
});

describe("stdio framing", () => {
  test("stdout carries nothing but JSON-RPC messages, in both modes", async () => {
    const home = tempDir();
    for (const args of [["stdio", "--standalone"], ["stdio"]]) {
      const child = spawn(patchbayBinary(), args, { cwd: repoRoot, env: patchbayEnv(home), stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      let pinged = false;
      child.stdout.on("data", (chunk) => {
        stdout += chunk;
        // The server pings after the last progress notification and answers the call once the ping is answered.
        const ping = stdout.split("\n").find((line) => line.includes('"method":"ping"'));
        if (ping && !pinged && stdout.includes(`${ping}\n`)) {
          pinged = true;
          child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id: JSON.parse(ping).id, result: {} })}\n`);
        }
      });
      child.stdin.write(
        `${JSON.stringify({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } } })}\n`,
      );
      child.stdin.write(
        `${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "codex_self_test", arguments: {}, _meta: { progressToken: 1 } } })}\n`,
      );
      await until(() => stdout.includes('"id":1'), "the self test's answer");
      child.stdin.end();
      await new Promise((resolve) => child.once("close", resolve));
      const lines = stdout.trimEnd().split("\n");
      for (const line of lines) expect(JSON.parse(line).jsonrpc).toBe("2.0");
      const kinds = lines.map((line) => JSON.parse(line)).map((message) => message.method ?? `result ${message.id}`);
      expect(kinds).toEqual(["result 0", "notifications/progress", "notifications/progress", "notifications/progress", "ping", "result 1"]);
    }
    await runPatchbay(["stop"], { home });
  });
});
