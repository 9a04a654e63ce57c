/**
 * The install-host contract: every adapter in `HOSTS` is run through the same checks, so a new
 * host file is held to what install, uninstall, doctor and `patchbay agent` rely on. Where the
 * host's own CLI is pinned in tests/agents-cli, that CLI lists the HTTP entry as connected.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import {
  applyChange,
  checkHost,
  entrySnippet,
  HOST_IDS,
  hostAdapter,
  hostEntry,
  HOSTS,
  type HostId,
  locate,
  planInstall,
  planUninstall,
  readEntry,
  type Registration,
} from "../../src/connect/index.ts";
import { agentBin, claudeSandbox, codexSandbox, geminiSandbox, runCli, type AgentSandbox } from "../support/fake-apis/agent-env.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

const TOKEN = "tok-contract-0123456789";

/** A stdio MCP server small enough to inline: answers initialize and tools/list, one JSON-RPC line each. */
const STDIO_SERVER = `
let buffer = "";
process.stdin.on("data", (chunk) => {
  buffer += chunk;
  for (let i; (i = buffer.indexOf("\\n")) >= 0; ) {
    const message = JSON.parse(buffer.slice(0, i));
    buffer = buffer.slice(i + 1);
    const result = message.id === 1
      ? { protocolVersion: "2025-06-18", capabilities: { tools: {} }, serverInfo: { name: "fake", version: "1" } }
      : { tools: [{ name: "echo", inputSchema: { type: "object" } }] };
    if (message.id !== undefined) process.stdout.write(JSON.stringify({ jsonrpc: "2.0", id: message.id, result }) + "\\n");
  }
});`;

/** The same over streamable HTTP (JSON answers), recording the Authorization header of each call. */
function startHttpServer() {
  const authorizations: string[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      if (request.method !== "POST") return new Response(null, { status: 405 });
      authorizations.push(request.headers.get("authorization") ?? "");
      const message = (await request.json()) as { id?: number; method: string };
      if (message.id === undefined) return new Response(null, { status: 202 });
      const result =
        message.method === "initialize"
          ? { protocolVersion: "2025-06-18", capabilities: { tools: {} }, serverInfo: { name: "fake-http", version: "1" } }
          : message.method === "tools/list"
            ? { tools: [{ name: "echo", inputSchema: { type: "object" } }] }
            : {};
      return Response.json({ jsonrpc: "2.0", id: message.id, result });
    },
  });
  return { url: `http://127.0.0.1:${server.port}/mcp`, authorizations, stop: () => server.stop(true) };
}

function scratch() {
  const root = tempDir("pb-hosts-");
  mkdirSync(join(root, "ws"));
  return {
    root,
    ws: join(root, "ws"),
    env: { HOME: join(root, "home"), PATH: process.env.PATH ?? "/usr/bin:/bin", PATCHBAY_HTTP_TOKEN: TOKEN } as Record<string, string>,
  };
}

const stdio: Registration = { transport: "stdio", command: process.execPath, args: ["-e", STDIO_SERVER], env: { FAKE_MCP: "1" } };

let http: ReturnType<typeof startHttpServer>;
beforeAll(() => {
  http = startHttpServer();
});
afterAll(() => http.stop());

describe.each(HOST_IDS.map((id) => [id] as [HostId]))("host adapter %s", (id) => {
  const adapter = hostAdapter(id);

  test("declares its name, scopes and advice; every scope has an absolute file and a key path ending in the server's name", () => {
    expect(adapter.id).toBe(id);
    expect(HOSTS[id]).toBe(adapter);
    expect(adapter.scopes).toContain(adapter.defaultScope);
    for (const text of [adapter.title, adapter.configHint, adapter.next]) expect(text.length).toBeGreaterThan(0);
    expect(Boolean(adapter.httpEntry)).not.toBe(Boolean(adapter.noHttp));
    const box = scratch();
    for (const scope of adapter.scopes) {
      const location = locate(id, scope, { root: box.ws, env: box.env, platform: "linux", name: "other" });
      expect(location).toMatchObject({ host: id, scope });
      expect(isAbsolute(location.file)).toBe(true);
      expect(["json", "toml"]).toContain(location.format);
      expect(location.path.at(-1)).toBe("other");
    }
    expect(locate(id, undefined, { root: box.ws, env: box.env }).scope).toBe(adapter.defaultScope);
    expect(() => locate(id, "nowhere", { root: box.ws, env: box.env })).toThrow(`${id} has no "nowhere" scope; scopes: ${adapter.scopes.join(", ")}`);
  });

  test("the stdio entry is written, read back, left alone on a second install, started by doctor, and removed with the file install created", async () => {
    const box = scratch();
    const entry = hostEntry(id, stdio);
    expect(adapter.target(entry, box.env)).toEqual({ transport: "stdio", command: process.execPath, args: ["-e", STDIO_SERVER], env: { FAKE_MCP: "1" } });
    for (const scope of adapter.scopes) {
      const location = locate(id, scope, { root: box.ws, env: box.env, platform: "linux" });
      const added = await planInstall(location, entry);
      expect(added.status).toBe("added");
      await applyChange(added, join(box.root, "pb"));
      expect(await readEntry(location)).toEqual(entry);
      expect((await planInstall(location, entry)).status).toBe("unchanged");
    }
    if (id !== "claude-desktop") {
      // Doctor reads the same files (Claude Desktop's is per-platform, so only on Linux here).
      const checks = await checkHost(id, { root: box.ws, env: box.env });
      expect(checks.map((check) => [check.scope, check.status, check.detail])).toEqual(
        adapter.scopes.map((scope) => [scope, "ok", "fake 1 answered (protocol 2025-06-18), 1 tools"]),
      );
    }
    for (const scope of adapter.scopes) {
      const location = locate(id, scope, { root: box.ws, env: box.env, platform: "linux" });
      const removed = await planUninstall(location);
      expect(removed.status).toBe("removed");
      await applyChange(removed, join(box.root, "pb"));
      expect(await readEntry(location)).toBeUndefined();
    }
    for (const scope of adapter.scopes) expect(existsSync(locate(id, scope, { root: box.ws, env: box.env, platform: "linux" }).file)).toBe(false);
  });

  test("--http: an entry naming the URL and the token variable (never the token) that doctor reaches the server with, or the host's own refusal", async () => {
    if (!adapter.httpEntry) {
      expect(() => hostEntry(id, { transport: "http", url: http.url, tokenEnv: "PATCHBAY_HTTP_TOKEN" })).toThrow(adapter.noHttp!.message);
      return;
    }
    const box = scratch();
    const entry = hostEntry(id, { transport: "http", url: http.url, tokenEnv: "PATCHBAY_HTTP_TOKEN" });
    expect(JSON.stringify(entry)).toContain(http.url);
    expect(JSON.stringify(entry)).toContain("PATCHBAY_HTTP_TOKEN");
    expect(JSON.stringify(entry)).not.toContain(TOKEN);
    expect(entry).not.toHaveProperty("httpUrl");
    const embedded = hostEntry(id, { transport: "http", url: http.url, tokenEnv: "PATCHBAY_HTTP_TOKEN", token: TOKEN });
    expect(JSON.stringify(embedded)).toContain(`Bearer ${TOKEN}`);
    // A server without a token (the guide of `patchbay start` on loopback): no auth in the entry at all.
    expect(JSON.stringify(hostEntry(id, { transport: "http", url: http.url }))).not.toMatch(/bearer|authorization/i);
    const location = locate(id, undefined, { root: box.ws, env: box.env });
    await applyChange(await planInstall(location, entry), join(box.root, "pb"));
    const seen = http.authorizations.length;
    const [check] = await checkHost(id, { root: box.ws, env: box.env });
    expect(check).toMatchObject({ status: "ok", detail: "fake-http 1 answered (protocol 2025-06-18), 1 tools" });
    expect(http.authorizations.slice(seen)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
    // `patchbay agent` prints the same entry under the host's server table.
    const snippet = entrySnippet(id, entry);
    expect(snippet).toContain(http.url);
    const [table, name] = location.path.slice(-2) as [string, string];
    if (location.format === "json") expect(JSON.parse(snippet)).toEqual({ [table]: { [name]: entry } });
    else expect(snippet).toContain(`[${table}.${name}]`);
  });
});

test("gemini: doctor still probes an entry that older `patchbay agent` output put under the deprecated httpUrl", async () => {
  const box = scratch();
  const location = locate("gemini", undefined, { root: box.ws, env: box.env });
  await applyChange(await planInstall(location, { httpUrl: http.url, headers: { Authorization: "Bearer ${PATCHBAY_HTTP_TOKEN}" } }), join(box.root, "pb"));
  const seen = http.authorizations.length;
  expect((await checkHost("gemini", { root: box.ws, env: box.env }))[0]).toMatchObject({ status: "ok" });
  expect(http.authorizations.slice(seen)).toContain(`Bearer ${TOKEN}`);
});

/** How each pinned host CLI is sandboxed, and what its listing says of a reachable HTTP server. */
const REAL_CLIS: Partial<Record<HostId, { sandbox: () => AgentSandbox; listed: RegExp; connects: boolean }>> = {
  claude: { sandbox: () => claudeSandbox("http://127.0.0.1:9"), listed: /patchbay: (\S+) \(HTTP\) - ✔ Connected/, connects: true },
  gemini: { sandbox: () => geminiSandbox("http://127.0.0.1:9"), listed: /patchbay: (\S+) \(http\) - Connected/, connects: true },
  // Codex lists without connecting: the URL and the variable it takes the token from.
  codex: { sandbox: () => codexSandbox("http://127.0.0.1:9"), listed: /^patchbay +(\S+) +PATCHBAY_HTTP_TOKEN +enabled/m, connects: false },
};

describe("the hosts' own CLIs list the HTTP entry", () => {
  test("every adapter that names a list command has a pinned CLI here, or is listed as having none", () => {
    expect(HOST_IDS.filter((id) => hostAdapter(id).listCommand).sort()).toEqual((Object.keys(REAL_CLIS) as HostId[]).sort());
  });

  for (const [id, cli] of Object.entries(REAL_CLIS) as Array<[HostId, NonNullable<(typeof REAL_CLIS)[HostId]>]>) {
    const [command, ...args] = hostAdapter(id).listCommand ?? [""];
    test.skipIf(!existsSync(agentBin(command as "codex")))(
      `${id}: \`${hostAdapter(id).listCommand?.join(" ")}\` shows the server install registered over HTTP`,
      async () => {
        const box = cli.sandbox();
        try {
          const ws = join(box.root, "ws");
          mkdirSync(ws);
          const env = { ...box.env, PATCHBAY_HTTP_TOKEN: TOKEN };
          const location = locate(id, undefined, { root: ws, env });
          await applyChange(
            await planInstall(location, hostEntry(id, { transport: "http", url: http.url, tokenEnv: "PATCHBAY_HTTP_TOKEN" })),
            join(box.root, "pb"),
          );
          const seen = http.authorizations.length;
          const list = await runCli(agentBin(command as "codex"), args, { cwd: ws, env, timeoutMs: 30_000 });
          expect(list.code, list.stderr).toBe(0);
          expect((list.stdout + list.stderr).match(cli.listed)?.[1], list.stdout + list.stderr).toBe(http.url);
          // Claude and Gemini expand the variable named in the file when they connect.
          if (cli.connects) expect(http.authorizations.slice(seen)).toContain(`Bearer ${TOKEN}`);
          expect(readFileSync(location.file, "utf8")).not.toContain(TOKEN);
        } finally {
          box.cleanup();
        }
      },
      60_000,
    );
  }
});
