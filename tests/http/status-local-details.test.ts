/**
 * Issue #14 item 7: `GET /status` keeps local details local, as tool results do. An HTTP caller
 * with the operator's token gets the status without this machine's folders (home, repositories);
 * an agent's token gets only the server's name, version and URLs; `patchbay status` on this
 * machine still shows everything.
 */
import { afterAll, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { realpathSync } from "node:fs";
import { relative } from "node:path";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, runPatchbay, startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";

const servers: TestServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.stop();
  removeTempDirs();
});

const OPERATOR = randomBytes(32).toString("hex");

async function statusAs(server: TestServer, token: string): Promise<{ code: number; body: Record<string, unknown> }> {
  const response = await fetch(new URL("/status", server.url), { headers: { authorization: `Bearer ${token}` } });
  return { code: response.status, body: (await response.json()) as Record<string, unknown> };
}

test("over HTTP the operator's /status names no local folder, an agent's shows only name, version and URLs; patchbay status shows all", async () => {
  const home = realpathSync(tempDir("pb-status-home-"));
  const repo = realpathSync(makeGitRepo({ "a.txt": "a\n" }, { prefix: "pb-status-repo-" }));
  const other = realpathSync(makeGitRepo({ "b.txt": "b\n" }, { prefix: "pb-status-other-" }));
  const added = await runPatchbay(["token", "add", "alice@team", "--json"], { home });
  const agentToken = (JSON.parse(added.stdout) as { token: string }).token;
  const server = await startTestServer({ home, args: ["--root", repo, "--allow-root", other], env: { PATCHBAY_HTTP_TOKEN: OPERATOR } });
  servers.push(server);

  const operator = await statusAs(server, OPERATOR);
  expect(operator.code).toBe(200);
  const text = JSON.stringify(operator.body);
  for (const local of [home, repo, other]) expect(text.includes(local) ? local : null).toBeNull();
  expect(operator.body).toMatchObject({
    home: "$PATCHBAY_HOME",
    http: [server.url],
    settings: { default_root: ".", allowed_roots: expect.arrayContaining([".", relative(repo, other)]) },
  });
  expect(operator.body.pid).toBe(server.process.pid);

  const agent = await statusAs(server, agentToken);
  expect(agent.code).toBe(200);
  expect(agent.body).toEqual({ name: "patchbay", version: expect.any(String), http: [server.url] });

  // On this machine the CLI reads the control port: everything as it is.
  const local = JSON.parse((await runPatchbay(["status", "--json"], { home })).stdout) as { home: string; settings: { default_root: string } };
  expect(local.home).toBe(home);
  expect(local.settings.default_root).toBe(repo);
}, 60_000);
