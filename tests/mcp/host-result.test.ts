/**
 * Codex CLI and Claude Code show their model a result's `structuredContent` instead of its text
 * when it has one (tests/connect/host-results.test.ts, with the real CLIs): a session opened under
 * their `clientInfo.name` gets the text alone, every other client both. The SDK's real clients
 * stand in for the hosts here, over the relay, `--standalone` and HTTP, in both protocol eras.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connectHttp, connectStdio, GENERATIONS, type TestClient, type ToolResult } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";

let repo: string;
let server: TestServer;
const clients: TestClient[] = [];
beforeAll(async () => {
  repo = makeGitRepo({ "README.md": '# scratch\nsay "hi"\n', "src/a.ts": "export const a = 1;\n" });
  server = await startTestServer({ args: ["--root", repo] });
});
afterAll(async () => {
  for (const client of clients) await client.close();
  await server.stop();
  removeTempDirs();
});

const text = (result: ToolResult) => (result.content ?? []).map((block) => block.text ?? "").join("");

type Connect = (clientName: string | undefined) => Promise<TestClient>;
const channels: Array<[string, Connect]> = GENERATIONS.flatMap(
  (generation): Array<[string, Connect]> => [
    [`${generation}, HTTP`, (clientName) => connectHttp(generation, server.url, { clientName })],
    [`${generation}, stdio through the relay`, (clientName) => connectStdio(generation, { home: server.home, args: ["--root", repo], clientName })],
  ],
);
channels.push(["v1, stdio --standalone", (clientName) => connectStdio("v1", { home: tempDir(), args: ["--standalone", "--root", repo], clientName })]);

describe.each(channels)("%s", (_channel, connect) => {
  test("Codex and Claude Code get each result's text alone; any other client also its structured part", async () => {
    const open = async (clientName?: string) => {
      const client = await connect(clientName);
      clients.push(client);
      return client;
    };
    const [other, codex, claude] = await Promise.all([open(), open("codex-mcp-client"), open("claude-code")]);
    for (const [tool, args] of [
      ["codex_read_file", { file_path: "README.md" }],
      ["codex_repo_tree", {}],
    ] as const) {
      const full = await other.callTool(tool, args);
      expect(full.isError, text(full)).toBeFalsy();
      expect(full.structuredContent).toBeDefined();
      for (const host of [codex, claude]) {
        const shaped = await host.callTool(tool, args);
        expect(shaped.structuredContent).toBeUndefined();
        expect(text(shaped)).toBe(text(full));
      }
    }
    // What the model of those hosts now reads: the file's lines as they are, no JSON around them.
    expect(text(await codex.callTool("codex_read_file", { file_path: "README.md" }))).toContain('# scratch\nsay "hi"\n');
  });
});
