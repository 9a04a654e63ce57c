/**
 * list_bans and lift_ban through the real registry, on the real rate limiter and state store: the
 * operator sees a banned token's agent, namespace, end and reason; lifting it lets the token in
 * again at once, also after a restart of the limiter (the ban record is gone); an agent's session
 * can neither see nor lift bans (the tools are not offered to agents), and an unknown token id
 * lifts nothing.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { CallToolResult } from "@modelcontextprotocol/server";
import { createRateLimiter } from "../../src/messaging/limits.ts";
import { MESSAGING_TOOLS } from "../../src/messaging/tools/index.ts";
import { createSession, createToolRegistry } from "../../src/mcp/index.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs } from "../support/patchbay.ts";
import { type ToolHarness, toolHarness } from "../support/tools.ts";

const LIMIT = 2;
let harness: ToolHarness;
let token: string;
let tokenId: string;

beforeAll(async () => {
  harness = await toolHarness(MESSAGING_TOOLS, {
    roots: [makeGitRepo({ "a.txt": "a\n" })],
    mode: "full",
    configToml: `[messaging]\nrate_limit_per_minute = ${LIMIT}\nrate_ban_seconds = 600\n`,
  });
  const added = await harness.host.messaging.identities.addToken({ name: "alice", namespace: "team" });
  token = added.token;
  tokenId = added.info.token_id;
  for (let call = 0; call < LIMIT; call++) expect(await harness.host.messaging.checkToken(token)).toEqual({ principal: "agent:alice@team" });
  expect(await harness.host.messaging.checkToken(token)).toEqual({ banned: 600 });
});

afterAll(async () => {
  await harness?.close();
  removeTempDirs();
});

type Ban = { token_id: string; agent: string | null; namespace: string | null; until: string; reason: string };

/** A call made by alice's own agent session. */
function asAlice(tool: string, args: Record<string, unknown>): Promise<CallToolResult> {
  const registry = createToolRegistry(MESSAGING_TOOLS);
  const session = createSession({ transport: "stdio", principal: "agent:alice@team", mode: "full", scope: harness.session.scope });
  return registry.call(tool, args, {
    app: harness.host,
    session,
    signal: new AbortController().signal,
    progress: { report: async () => {}, settle: async () => {} },
    catalog: registry,
  })!;
}

test("the operator sees the ban: whose token, its namespace, until when and why", async () => {
  const { bans } = await harness.ok<{ bans: Ban[] }>("list_bans");
  expect(bans).toEqual([{ token_id: tokenId, agent: "alice@team", namespace: "team", until: expect.any(String), reason: `over ${LIMIT} requests per minute` }]);
  const left = Date.parse(bans[0]!.until) - Date.now();
  expect(left).toBeGreaterThan(590_000);
  expect(left).toBeLessThanOrEqual(600_000);
});

test("an agent's session neither sees nor lifts bans, not even its own", async () => {
  for (const [tool, args] of [
    ["list_bans", {}],
    ["lift_ban", { token_id: tokenId }],
  ] as const) {
    const refused = await asAlice(tool, args);
    expect(refused.isError).toBe(true);
    expect((refused._meta?.["patchbay/error"] as { code: string }).code).toBe("tool_not_for_agents");
  }
  expect(await harness.host.messaging.checkToken(token)).toEqual({ banned: expect.any(Number) });
});

test("an unknown token id lifts nothing; lifting the ban lets the token in at once and for good", async () => {
  expect(await harness.errorCode("lift_ban", { token_id: "ffffffff" })).toBe("ban_not_found");
  expect(await harness.host.messaging.checkToken(token)).toEqual({ banned: expect.any(Number) });

  const { lifted } = await harness.ok<{ lifted: Ban[] }>("lift_ban", { token_id: tokenId });
  expect(lifted.map((ban) => ban.agent)).toEqual(["alice@team"]);
  expect(await harness.host.messaging.checkToken(token)).toEqual({ principal: "agent:alice@team" });
  expect((await harness.ok<{ bans: Ban[] }>("list_bans")).bans).toEqual([]);
  // A limiter started afresh on the same store (a restarted server) finds no ban to load.
  const restarted = createRateLimiter(harness.host.store, { perMinute: LIMIT, banSeconds: 600 });
  const { hash } = (await harness.host.messaging.identities.verify(token))!;
  expect(await restarted.hit(hash)).toBeUndefined();
});
