/**
 * Tunnels with a fake cloudflared: a script that records its argv and pid and prints a
 * trycloudflare URL the way cloudflared does (on stderr), then waits to be stopped.
 */
import { isProcessAlive } from "../../src/state/index.ts";
import { afterAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { until } from "../support/until.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { connectBinary, runConnect } from "./support.ts";

afterAll(removeTempDirs);

const TOKEN = "tunnel-token-0123456789abcdef0123";
const PUBLIC_HOST = "fake-words-1234.trycloudflare.com";

function fakeTunnel(dir: string, printUrl = true): { binary: string; record: string } {
  const record = join(dir, "tunnel-record");
  const binary = join(dir, "cloudflared");
  const banner = printUrl ? `echo "2026-11-28T00:00:00Z INF |  https://${PUBLIC_HOST}  |" >&2` : "";
  writeFileSync(binary, `#!/bin/sh\necho "$$ $*" > "${record}"\n${banner}\nexec sleep 300\n`);
  chmodSync(binary, 0o755);
  return { binary, record };
}

function box() {
  const root = tempDir("pb-tunnel-");
  const ws = makeGitRepo({ "README.md": "# t\n" }, { prefix: "pb-tunnel-ws-" });
  return { root, ws, env: { HOME: root, PATCHBAY_HOME: join(root, "pb") } };
}

/** `patchbay start … --json` until its guide is printed. */
function startWithTunnel(args: string[], env: Record<string, string>, cwd: string) {
  const child = spawn(connectBinary(), ["start", "--port", "0", "--json", ...args], {
    cwd,
    env: { PATH: process.env.PATH!, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise<{ guide: any; stop: () => Promise<number | null> }>((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => (child.kill("SIGKILL"), reject(new Error(`no guide; stderr: ${stderr}`))), 20_000);
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      try {
        const guide = JSON.parse(stdout).setup_guide;
        clearTimeout(timer);
        resolve({ guide, stop: async () => (child.kill("SIGTERM"), exited) });
      } catch {
        // not complete yet
      }
    });
    void exited.then((code) => (clearTimeout(timer), reject(new Error(`start exited ${code}; stderr: ${stderr}`))));
  });
}

describe("patchbay start --tunnel-mode", () => {
  test("cloudflare: the child points at the local port, the public URL is in the guide (token redacted), its Host is allowed, and the child stops with the server", async () => {
    const { root, ws, env } = box();
    const fake = fakeTunnel(root);
    const server = await startWithTunnel(["--tunnel-mode", "cloudflare", "--cloudflared", fake.binary], { ...env, PATCHBAY_HTTP_TOKEN: TOKEN }, ws);
    const [pid, ...argv] = readFileSync(fake.record, "utf8").trim().split(" ");
    const local = new URL(server.guide.server_url);
    expect(argv).toEqual(["tunnel", "--no-autoupdate", "--url", `http://127.0.0.1:${local.port}`]);
    expect(server.guide.tunnel).toEqual({ mode: "cloudflare", public_url: `https://${PUBLIC_HOST}` });
    expect(server.guide.chatgpt.connector_url).toBe(`https://${PUBLIC_HOST}/mcp?patchbay_token=[redacted]`);
    expect(JSON.stringify(server.guide)).not.toContain(TOKEN);

    const initialize = (host: string) =>
      fetch(server.guide.server_url, {
        method: "POST",
        headers: { host, "content-type": "application/json", accept: "application/json, text/event-stream", authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
        }),
      });
    expect((await initialize(PUBLIC_HOST)).status).toBe(200);
    expect((await initialize("evil.example.com")).status).toBe(403);

    expect(isProcessAlive(Number(pid))).toBe(true);
    expect(await server.stop()).toBe(0);
    // The tunnel's group is signalled on the way out; its exit is asynchronous: wait for it, not for a time.
    await until(() => !isProcessAlive(Number(pid)), "the tunnel to be gone");
  });

  test("--reveal-token prints the tokenized connector URL", async () => {
    const { root, ws, env } = box();
    const fake = fakeTunnel(root);
    const server = await startWithTunnel(
      ["--tunnel-mode", "cloudflare", "--cloudflared", fake.binary, "--reveal-token"],
      { ...env, PATCHBAY_HTTP_TOKEN: TOKEN },
      ws,
    );
    expect(server.guide.chatgpt.connector_url).toBe(`https://${PUBLIC_HOST}/mcp?patchbay_token=${TOKEN}`);
    await server.stop();
  });

  test("fails closed: without the token no tunnel is started", async () => {
    const { root, ws, env } = box();
    const fake = fakeTunnel(root);
    const result = await runConnect(["start", "--port", "0", "--tunnel-mode", "cloudflare", "--cloudflared", fake.binary], { cwd: ws, env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("refusing to start a cloudflare tunnel without a token");
    expect(existsSync(fake.record)).toBe(false);
  });

  test("a missing binary names how to install it", async () => {
    const { root, ws, env } = box();
    const result = await runConnect(["start", "--port", "0", "--tunnel-mode", "cloudflare"], {
      cwd: ws,
      env: { ...env, PATH: "/usr/bin:/bin", PATCHBAY_HTTP_TOKEN: TOKEN },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("cloudflared was not found on PATH or in ~/.patchbay/bin");
    expect(result.stderr).toContain("install cloudflared from Cloudflare");
    const ngrok = await runConnect(["start", "--port", "0", "--tunnel-mode", "ngrok", "--ngrok", join(root, "nope")], {
      cwd: ws,
      env: { ...env, PATCHBAY_HTTP_TOKEN: TOKEN },
    });
    expect(ngrok.stderr).toContain(`ngrok was not found at ${join(root, "nope")}`);
    expect(ngrok.stderr).toContain("ngrok config add-authtoken");
  });

  test("a tunnel that never prints its URL times out, is stopped, and the server never starts", async () => {
    const { root, ws, env } = box();
    const fake = fakeTunnel(root, false);
    const result = await runConnect(["start", "--port", "0", "--tunnel-mode", "cloudflare", "--cloudflared", fake.binary, "--tunnel-timeout-seconds", "1"], {
      cwd: ws,
      env: { ...env, PATCHBAY_HTTP_TOKEN: TOKEN },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no public URL from ${fake.binary} within 1 s`);
    const pid = Number(readFileSync(fake.record, "utf8").split(" ")[0]);
    expect(Number.isInteger(pid) && pid > 0).toBe(true); // the fake recorded a real pid: "not alive" below means stopped
    expect(isProcessAlive(pid)).toBe(false);
    expect(existsSync(join(root, "pb", "run", "server.json"))).toBe(false);
  });

  test("--print-only explains ChatGPT developer mode step by step", async () => {
    const { ws, env } = box();
    const result = await runConnect(["start", "--print-only", "--json"], { cwd: ws, env });
    const guide = JSON.parse(result.stdout).setup_guide;
    expect(guide.chatgpt.connector_url).toBeNull();
    expect(guide.chatgpt.steps.join("\n")).toContain("Settings → Apps & Connectors → Advanced → turn on Developer mode");
    expect(guide.chatgpt.steps.join("\n")).toContain("Authentication: none");
    expect(guide.chatgpt.steps.join("\n")).toContain("Secure MCP Tunnel");
  });
});
