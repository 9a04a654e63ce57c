/**
 * `start` serves the repository `mcp install` registers: `--root`, else the git work tree around
 * the current directory. Outside a repository it serves none and says how to name one.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { connectHttp } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, startTestServer, tempDir } from "../support/patchbay.ts";
import { runConnect } from "./support.ts";

afterAll(removeTempDirs);

function sandbox() {
  const root = tempDir("pb-start-root-");
  const home = join(root, "home");
  mkdirSync(home);
  const ws = realpathSync(makeGitRepo({ "README.md": "# x\n" }, { prefix: "pb-start-root-ws-" }));
  mkdirSync(join(ws, "sub"));
  return { ws, home, env: { HOME: home, PATCHBAY_HOME: join(root, "pb") } };
}

type Guide = { setup_guide: { allowed_roots: string[]; hosts: { stdio_any_host: string } } };

describe("start's roots follow the mcp install rule", () => {
  test("inside a repository, start --print-only serves the repository mcp install registers", async () => {
    const box = sandbox();
    const cwd = join(box.ws, "sub");
    const guide = await runConnect(["start", "--print-only", "--json"], { cwd, env: box.env });
    expect(guide.code, guide.stderr).toBe(0);
    const printed = JSON.parse(guide.stdout) as Guide;
    expect(printed.setup_guide.allowed_roots).toEqual([box.ws]);
    expect(printed.setup_guide.hosts.stdio_any_host).toContain(`stdio --root ${box.ws}`);

    const text = await runConnect(["start", "--print-only"], { cwd, env: box.env });
    expect(text.stdout).toContain(`roots:      ${box.ws}\n`);

    const install = await runConnect(["mcp", "install", "claude", "--dry-run"], { cwd, env: box.env });
    expect(install.code, install.stderr).toBe(0);
    expect(install.stdout).toContain(`"${box.ws}"`);
  });

  test("a server started inside a repository without --root serves that repository", async () => {
    // The test server runs in this checkout, a git repository.
    const server = await startTestServer({ args: ["--tool-mode", "standard"] });
    const client = await connectHttp("v2-legacy", server.url);
    try {
      // Over HTTP the roots read relative to the default root (local paths stay local); this checkout's package.json shows which one it is.
      const result = await client.callTool("codex_get_config");
      expect((result.structuredContent as { session: { default_root: string; allowed_roots: string[] } }).session).toMatchObject({
        default_root: ".",
        allowed_roots: ["."],
      });
      const read = await client.callTool("codex_read_file", { file_path: "package.json", max_bytes: 200 });
      expect((read.structuredContent as { content: string }).content).toContain('"name": "patchbay"');
    } finally {
      await client.close();
      await server.stop();
    }
  });

  test("roots the flags name win: --allow-root alone serves only that directory", async () => {
    const box = sandbox();
    const other = realpathSync(tempDir("pb-start-root-other-"));
    const result = await runConnect(["start", "--print-only", "--json", "--allow-root", other], { cwd: box.ws, env: box.env });
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as Guide).setup_guide.allowed_roots).toEqual([other]);
  });

  test("outside a repository, start serves no root and says to pass --root", async () => {
    const box = sandbox();
    const result = await runConnect(["start", "--print-only"], { cwd: box.home, env: box.env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("roots:      none (pass --root DIR)");
  });
});
