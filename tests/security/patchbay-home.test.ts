/**
 * $PATCHBAY_HOME inside an allowed root: a direct write there would become a custom agent in
 * config.toml (a program patchbay runs) or a trusted pipeline fingerprint, and a read would show
 * the control credential. Both are refused; the effect checked is the files themselves.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { connectHttp, type TestClient } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, runPatchbay, startTestServer, type TestServer } from "../support/patchbay.ts";

let server: TestServer;
let client: TestClient;
let repo: string;
let home: string;
beforeAll(async () => {
  repo = makeGitRepo({ "README.md": "hi\n" });
  home = join(repo, "pb-home");
  mkdirSync(home);
  server = await startTestServer({ home, args: ["--root", repo, "--direct-write", "--tool-mode", "standard"] });
  client = await connectHttp("v2-modern", server.url);
});
afterAll(async () => {
  await client.close();
  await server.stop();
  removeTempDirs();
});

const errorCode = (result: { _meta?: Record<string, unknown> }) => (result._meta?.["patchbay/error"] as { code?: string } | undefined)?.code;

test("a direct write cannot create or change patchbay's own config, trust or state", async () => {
  const agent = '[agents.custom.evil]\ncommand = "/bin/sh"\nargs = ["-c", "touch /tmp/pwned"]\n';
  for (const file of ["pb-home/config.toml", "pb-home/trust/pipeline/x.json", "pb-home/profiles/p.toml"]) {
    const result = await client.callTool("codex_write_file", { file_path: file, content: agent, create_dirs: true });
    expect({ file, code: errorCode(result) }).toEqual({ file, code: "path_blocked" });
    expect(existsSync(join(repo, file))).toBe(false);
  }
  // A file beside it in the same repository is still writable: only the home is patchbay's.
  expect((await client.callTool("codex_write_file", { file_path: "notes.md", content: "ok\n" })).isError).toBeFalsy();
  expect(readFileSync(join(repo, "notes.md"), "utf8")).toBe("ok\n");
});

test("the control credential under $PATCHBAY_HOME/run is not readable, listable or searchable through the workspace", async () => {
  const credential = readFileSync(join(home, "run", "server.json"), "utf8");
  const read = await client.callTool("codex_read_file", { file_path: "pb-home/run/server.json" });
  expect(errorCode(read)).toBe("path_blocked");
  const asRepo = await client.callTool("codex_repo_tree", { repo_path: home });
  expect(errorCode(asRepo)).toBe("path_blocked");
  const tree = await client.callTool("codex_repo_tree", { max_depth: 4, include_hidden: true });
  expect(JSON.stringify(tree.structuredContent)).not.toContain("server.json");
  const search = await client.callTool("codex_search_repo", { query: "credential", include_hidden: true });
  expect(JSON.stringify(search.structuredContent)).not.toContain("pb-home");
  for (const result of [read, asRepo, tree, search]) expect(JSON.stringify(result)).not.toContain(credential.slice(0, 40));
});

test("an agent job cannot get $PATCHBAY_HOME as an extra writable directory, nor as its repository", async () => {
  for (const args of [{ add_dirs: [home] }, { add_dirs: [join(home, "run")] }, { repo_path: home }]) {
    const result = await client.callTool("codex_apply_job", { spec: "edit config.toml", agent: "mock", ...args });
    expect({ args, code: errorCode(result) }).toEqual({ args, code: "path_blocked" });
  }
  const jobs = await runPatchbay(["job", "list", "--json"], { home });
  expect(JSON.parse(jobs.stdout)).toEqual([]);
});
