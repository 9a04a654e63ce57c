/**
 * Codex CLI and Claude Code show their model a result's `structuredContent` instead of its text
 * when it has one (tests/connect/host-results.test.ts, with the real CLIs). A session opened under
 * their `clientInfo.name` gets the text alone from each tool whose text carries all a model needs
 * (`textCarriesAll`), and both parts from the others; every other client gets both from all. The
 * SDK's real clients stand in for the hosts, over the relay, `--standalone` and HTTP, both eras.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ALL_TOOLS } from "../../src/app/index.ts";
import { connectHttp, connectStdio, GENERATIONS, type TestClient, type ToolResult } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";

/** A repository with a skill and every kind of change a status lists: unstaged, staged and untracked, under long paths. */
function scratchRepo(): string {
  const root = makeGitRepo({
    "README.md": '# scratch\nsay "hi"\n',
    "src/features/a-module-with-a-long-name.ts": "export const a = 1;\n",
    "src/features/another-module-with-a-long-name.ts": "export const b = 2;\n",
    ".agents/skills/release-checklist/SKILL.md":
      "---\nname: release-checklist\ndescription: The steps of a release, in the order they must run\n---\nTag, build, publish.\n",
  });
  writeFileSync(join(root, "src/features/a-module-with-a-long-name.ts"), "export const a = 10;\n");
  writeFileSync(join(root, "src/features/another-module-with-a-long-name.ts"), "export const b = 20;\n");
  execFileSync("git", ["add", "src/features/another-module-with-a-long-name.ts"], { cwd: root });
  writeFileSync(join(root, "src/features/an-untracked-module-with-a-long-name.ts"), "export const c = 3;\n");
  return root;
}

let repo: string;
let server: TestServer;
const clients: TestClient[] = [];
beforeAll(async () => {
  repo = scratchRepo();
  server = await startTestServer({ args: ["--root", repo] });
});
afterAll(async () => {
  for (const client of clients) await client.close();
  await server.stop();
  removeTempDirs();
});

const text = (result: ToolResult) => (result.content ?? []).map((block) => block.text ?? "").join("");

async function open(connect: Promise<TestClient>): Promise<TestClient> {
  const client = await connect;
  clients.push(client);
  return client;
}

type Connect = (clientName: string | undefined) => Promise<TestClient>;
const channels: Array<[string, Connect]> = GENERATIONS.flatMap(
  (generation): Array<[string, Connect]> => [
    [`${generation}, HTTP`, (clientName) => connectHttp(generation, server.url, { clientName })],
    [`${generation}, stdio through the relay`, (clientName) => connectStdio(generation, { home: server.home, args: ["--root", repo], clientName })],
  ],
);
channels.push(["v1, stdio --standalone", (clientName) => connectStdio("v1", { home: tempDir(), args: ["--standalone", "--root", repo], clientName })]);

describe.each(channels)("%s", (_channel, connect) => {
  test("Codex and Claude Code get the text alone where it carries all; any other client both parts", async () => {
    const [other, codex, claude] = await Promise.all([open(connect(undefined)), open(connect("codex-mcp-client")), open(connect("claude-code"))]);
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
    // A tool whose text is a summary keeps its structured part for every host.
    for (const host of [other, codex, claude]) expect((await host.callTool("codex_self_test")).structuredContent).toBeDefined();
  });
});

/**
 * One call of each tool that says its text carries all, in order: a new one must add its call
 * here. The power tools' calls run on a server that turns them on.
 */
const CALLS: Record<string, Record<string, unknown>> = {
  codex_write_file: { file_path: "src/features/a-written-module-with-a-long-name.ts", content: "export const d = 4;\n" },
  codex_edit_file: { file_path: "src/features/a-written-module-with-a-long-name.ts", old_text: "d = 4", new_text: "d = 40" },
  codex_run_command: { command: "git status --short", cwd: "src" },
  codex_get_handoff_diff: {},
  codex_tool_mode_info: {},
  codex_read_file: { file_path: "README.md" },
  codex_repo_tree: {},
  codex_search_repo: { query: "export const" },
  codex_git_status: {},
  codex_git_diff: {},
  codex_show_changes: {},
  codex_list_workspaces: {},
  codex_list_skills: {},
  codex_load_skill: { name: "release-checklist" },
};

/** Every string of at least `min` characters in a structured result, with its path. */
function longStrings(value: unknown, min: number, path = ""): Array<[string, string]> {
  if (typeof value === "string") return value.length >= min ? [[path, value]] : [];
  if (Array.isArray(value)) return value.flatMap((item, index) => longStrings(item, min, `${path}[${index}]`));
  if (value && typeof value === "object") return Object.entries(value).flatMap(([key, item]) => longStrings(item, min, path ? `${path}.${key}` : key));
  return [];
}

/**
 * Every number of at least two digits in a structured result, with its path: a count, a line, a
 * duration. Not a byte count (`size`, `bytes`, `total_bytes`): it measures what the text shows,
 * and the texts say it where they cut.
 */
function numbers(value: unknown, path = ""): Array<[string, number]> {
  if (typeof value === "number") return value >= 10 && !/(^|\.)(size|bytes|total_bytes)$/.test(path) ? [[path, value]] : [];
  if (Array.isArray(value)) return value.flatMap((item, index) => numbers(item, `${path}[${index}]`));
  if (value && typeof value === "object") return Object.entries(value).flatMap(([key, item]) => numbers(item, path ? `${path}.${key}` : key));
  return [];
}

test("each tool that says its text carries all has every path, line, name and count of its structured result in its text", async () => {
  const flagged = ALL_TOOLS.filter((tool) => tool.textCarriesAll).map((tool) => tool.name);
  expect(flagged.sort()).toEqual(Object.keys(CALLS).sort());
  // Its own repository: the calls write a file and a handoff plan.
  const powered = await startTestServer({ args: ["--root", scratchRepo(), "--direct-write", "--bash-mode", "safe"] });
  try {
    const client = await open(connectHttp("v1", powered.url));
    // The power tools are listed in the minimal, standard and full modes, not the default one.
    expect((await client.callTool("codex_tool_mode_switch", { mode: "full" })).isError).toBeFalsy();
    const gaps: Array<{ tool: string; missing: Array<[string, string]>; uncounted: Array<[string, number]> }> = [];
    for (const [tool, args] of Object.entries(CALLS)) {
      const result = await client.callTool(tool, args);
      expect(result.isError, `${tool}: ${text(result)}`).toBeFalsy();
      const said = text(result);
      // A commit is named by its 12-character prefix, git's long abbreviation.
      const missing = longStrings(result.structuredContent, 16)
        .map(([path, value]): [string, string] => [path, /^[0-9a-f]{40}$/.test(value) ? value.slice(0, 12) : value])
        .filter(([, value]) => !said.includes(value));
      const uncounted = numbers(result.structuredContent).filter(([, value]) => !new RegExp(`\\b${value}\\b`).test(said));
      if (missing.length || uncounted.length) gaps.push({ tool, missing, uncounted });
    }
    expect(gaps).toEqual([]);
  } finally {
    await powered.stop();
  }
});
