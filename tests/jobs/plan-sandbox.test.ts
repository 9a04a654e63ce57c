/**
 * Issue #14 item 11: codex_plan_job advertises only what it runs. A plan job is read-only in the
 * repository whatever security.default_sandbox says; its schema offers no writing sandbox and no
 * bypass, a writing sandbox is refused naming codex_apply_job, and no job starts.
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync, readdirSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectHttp } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, runPatchbay, startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";
import { mockPrompt } from "./support.ts";

const servers: TestServer[] = [];
afterAll(async () => {
  for (const server of servers) await server.stop();
  removeTempDirs();
});

test("codex_plan_job lists only read-only, refuses a writing sandbox without starting a job, and runs read-only under a writing default", async () => {
  const home = tempDir("pb-plan-home-");
  // The operator's default sandbox writes, and bypasses are allowed: still nothing a plan job offers.
  writeFileSync(
    join(home, "config.toml"),
    '[app]\ntool_mode = "standard"\n\n[security]\ndefault_sandbox = "danger-full-access"\nallow_dangerously_bypass = true\n',
  );
  const repo = realpathSync(makeGitRepo({ "a.txt": "a\n" }));
  const server = await startTestServer({ home, args: ["--root", repo] });
  servers.push(server);
  const client = await connectHttp("v2-legacy", server.url);
  try {
    const plan = (await client.listTools()).find((tool) => tool.name === "codex_plan_job")!;
    const properties = (plan.inputSchema as { properties: Record<string, { enum?: string[] }> }).properties;
    expect(properties.sandbox!.enum).toEqual(["read-only"]);
    expect(properties.dangerously_bypass).toBeUndefined();
    const apply = (await client.listTools()).find((tool) => tool.name === "codex_apply_job")!;
    expect((apply.inputSchema as { properties: Record<string, { enum?: string[] }> }).properties.sandbox!.enum).toContain("workspace-write");

    const jobsBefore = JSON.parse((await runPatchbay(["job", "list", "--json"], { home })).stdout) as unknown[];
    const refused = await client.callTool("codex_plan_job", {
      spec: mockPrompt({ write: { path: "p.txt", content: "p\n" } }),
      agent: "mock",
      sandbox: "workspace-write",
    });
    expect(refused.isError).toBe(true);
    expect(refused.content?.[0]?.text).toContain("use codex_apply_job");
    const bypass = await client.callTool("codex_plan_job", { spec: "x", agent: "mock", dangerously_bypass: true });
    expect(bypass.isError).toBe(true);
    expect(JSON.parse((await runPatchbay(["job", "list", "--json"], { home })).stdout)).toEqual(jobsBefore);

    // Under a writing default sandbox, a plan job that tries to write changes nothing.
    const started = await client.callTool("codex_plan_job", {
      spec: mockPrompt({ write: { path: "p.txt", content: "p\n" }, message: "tried" }),
      agent: "mock",
      sandbox: "read-only",
    });
    expect(started.isError).toBeFalsy();
    const done = (await client.callTool("codex_get_result", { job_id: (started.structuredContent as { job_id: string }).job_id, wait_seconds: 30 }))
      .structuredContent as { access: string; done: boolean };
    expect(done).toMatchObject({ access: "read_only", done: true });
    expect(existsSync(join(repo, "p.txt"))).toBe(false);
    expect(readdirSync(repo).sort()).toEqual([".git", "a.txt"]);
  } finally {
    await client.close();
    await runPatchbay(["stop"], { home });
  }
});
