/**
 * `patchbay board` through the real binary prints the board where its user opens it: the server's
 * own address by default, and the board under server.public_url when the running server has one,
 * from its config file (a proxy publishing it under a path prefix) or from a tunnel, which sets it
 * at start and writes it nowhere. It says which address it printed, and --json carries both.
 */
import { afterAll, expect, test } from "bun:test";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { removeTempDirs, runPatchbay, startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";
import { type PrefixProxy, startPrefixProxy } from "../support/prefix-proxy.ts";

const TOKEN = "board-url-operator-token-0123456789ab";
const TUNNEL_HOST = "board-words-1234.trycloudflare.com";

const servers: TestServer[] = [];
const proxies: PrefixProxy[] = [];
afterAll(async () => {
  for (const server of servers) await server.stop();
  for (const proxy of proxies) await proxy.close();
  removeTempDirs();
});

async function started(options: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const server = await startTestServer(options);
  servers.push(server);
  return server;
}

async function board(home: string, json = false): Promise<{ code: number | null; stdout: string; lines: string[] }> {
  const result = await runPatchbay(["board", ...(json ? ["--json"] : [])], { home });
  expect(result.stderr).toBe("");
  return { code: result.code, stdout: result.stdout, lines: result.stdout.trimEnd().split("\n") };
}

test("without server.public_url: the server's own address only, and --json says there is no public one", async () => {
  const server = await started({});
  const own = `${new URL(server.url).origin}/board`;
  const printed = await board(server.home);
  expect(printed.code).toBe(0);
  expect(printed.lines).toEqual([own]);
  expect(JSON.parse((await board(server.home, true)).stdout)).toEqual({ url: own, public_url: null, local_url: own, opened: false });
});

test("server.public_url under a path prefix: the prefixed board the proxy publishes, which answers the board, and the server's own address beside it", async () => {
  const proxy = await startPrefixProxy("/team-a");
  proxies.push(proxy);
  const home = tempDir("pb-board-url-");
  writeFileSync(join(home, "config.toml"), `[server]\npublic_url = "${proxy.base}/"\n`);
  const server = await started({ home });
  proxy.forwardTo(server.url);
  const published = `${proxy.base}/board`;
  const own = `${new URL(server.url).origin}/board`;

  const printed = await board(home);
  expect(printed.code).toBe(0);
  expect(printed.lines).toEqual([published, `(server.public_url; this machine's own address is ${own})`]);
  expect(JSON.parse((await board(home, true)).stdout)).toEqual({ url: published, public_url: published, local_url: own, opened: false });

  // What the user opens is the board, reached through the proxy under its prefix.
  const page = await fetch(printed.lines[0]!);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain("<script nonce=");
  expect(proxy.seen).toContainEqual({ method: "GET", path: "/team-a/board", status: 200 });
});

test("a tunnel's public URL, set at start and in no file: the board there, with the login it needs", async () => {
  const home = tempDir("pb-board-tunnel-");
  // A cloudflared that announces its URL the way the real one does, then waits to be stopped.
  const cloudflared = join(home, "cloudflared");
  writeFileSync(cloudflared, `#!/bin/sh\necho "INF |  https://${TUNNEL_HOST}  |" >&2\nexec sleep 300\n`);
  chmodSync(cloudflared, 0o755);
  const server = await started({ home, args: ["--tunnel-mode", "cloudflare", "--cloudflared", cloudflared], env: { PATCHBAY_HTTP_TOKEN: TOKEN } });
  const published = `https://${TUNNEL_HOST}/board`;
  const own = `${new URL(server.url).origin}/board`;

  const printed = await board(home);
  expect(printed.code).toBe(0);
  expect(printed.lines).toEqual([published, `(server.public_url: log in with the operator token; this machine's own address is ${own})`]);
  expect(JSON.parse((await board(home, true)).stdout)).toEqual({ url: published, public_url: published, local_url: own, opened: false });

  // The server answers the board for that host (as the tunnel passes it on): its login form.
  const page = await fetch(own, { headers: { host: TUNNEL_HOST } });
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('action="/board/login"');
});

test("after a command started the background server (no HTTP), board says so and how to add a port; a start beside it makes the board reachable", async () => {
  const home = tempDir();
  try {
    expect((await runPatchbay(["job", "run", "--agent", "mock", "hello"], { home, timeoutMs: 60_000 })).code).toBe(0);
    const refused = await runPatchbay(["board"], { home });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("the background server for");
    expect(refused.stderr).toContain("run `patchbay start` in another terminal: it adds an HTTP port to the running server");
    expect(refused.stderr).not.toContain("--no-http");
    const beside = await started({ home });
    const printed = await board(home);
    expect(printed.code).toBe(0);
    expect(printed.lines[0]).toBe(`${new URL(beside.url).origin}/board`);
  } finally {
    await runPatchbay(["stop"], { home });
  }
}, 90_000);
