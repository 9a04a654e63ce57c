/** Messaging through the compiled binary: tokens from the CLI, two agents over real HTTP sessions. */
import { afterAll, expect, test } from "bun:test";
import { connectHttp } from "../support/clients.ts";
import { removeTempDirs, repoRoot, runPatchbay, startTestServer, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

async function addAgent(home: string, name: string): Promise<string> {
  const result = await runPatchbay(["token", "add", "--namespace", "team", name, "--json"], { home });
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as { token: string }).token;
}

test("two agents message each other through the server; an agent token opens no workspace tools", async () => {
  const home = tempDir();
  const [alice, bob] = [await addAgent(home, "alice"), await addAgent(home, "bob")];
  const server = await startTestServer({ home, args: ["--root", repoRoot], env: { PATCHBAY_HTTP_TOKEN: "operator-token-0123456789abcdef0123" } });
  const a = await connectHttp("v1", server.url, { token: alice });
  const b = await connectHttp("v2-legacy", server.url, { token: bob });
  try {
    const names = await a.listToolNames();
    expect(names).toContain("send_message");
    expect(names).not.toContain("codex_read_file");
    expect(names).not.toContain("codex_apply_job");
    const refused = await a.callTool("codex_read_file", { file_path: "README.md" });
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused.content)).toContain("tool_not_for_agents");

    const waiting = b.callTool("wait_for_message", { timeout_seconds: 10 });
    const sent = await a.callTool("send_message", { to: "bob", content: "hello from alice" });
    expect(sent.isError).toBeFalsy();
    const received = await waiting;
    expect(JSON.stringify(received.structuredContent)).toContain("hello from alice");
  } finally {
    await a.close();
    await b.close();
    await server.stop();
  }
});
