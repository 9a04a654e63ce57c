/**
 * Issue #14 item 9: prompts written for the original PatchBay keep working. Its argument names
 * are renamed by the registry before validation, for every tool in one place, and the options it
 * had are there: each call below is one the original accepted, checked by its effect.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectStdio, type TestClient, type ToolResult } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";

const SESSION = "0199a2d7-41c4-78b1-b7cc-a45d62a89cd5";
let repo: string;
let client: TestClient;

/** A user home with a Claude Code plugin that ships a skill, and a Codex home with one session. */
function userHome(): { home: string; codexHome: string } {
  const home = tempDir("pb-aliases-user-");
  const skill = join(home, ".claude", "plugins", "cache", "market", "reviewer", "1.0.0", "skills", "review");
  mkdirSync(skill, { recursive: true });
  writeFileSync(join(skill, "SKILL.md"), "---\nname: review\ndescription: Reviews a change\n---\nRead the diff first.\n");
  const codexHome = join(home, ".codex");
  const day = join(codexHome, "sessions", "2026", "01", "02");
  mkdirSync(day, { recursive: true });
  const said = (text: string) =>
    JSON.stringify({ type: "response_item", payload: { type: "message", role: "assistant", content: [{ type: "output_text", text }] } });
  writeFileSync(join(day, `rollout-2026-01-02T10-00-00-${SESSION}.jsonl`), `${said("x".repeat(100))}\n${said("the last words")}\n`);
  return { home, codexHome };
}

beforeAll(async () => {
  repo = realpathSync(makeGitRepo({ "a.txt": "alpha\n", "long.txt": `${"0123456789".repeat(20)}\n`, "src/b.ts": "export const b = 1;\n" }));
  const { home, codexHome } = userHome();
  client = await connectStdio("v1", {
    home: tempDir(),
    args: ["--standalone", "--root", repo, "--tool-mode", "full", "--power", "full"],
    env: { HOME: home, CODEX_HOME: codexHome },
  });
});
afterAll(async () => {
  await client?.close();
  removeTempDirs();
});

async function ok(tool: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const result: ToolResult = await client.callTool(tool, args);
  if (result.isError) throw new Error(`${tool}: ${JSON.stringify(result.content)}`);
  return result.structuredContent as Record<string, unknown>;
}

describe("the original's argument names and options", () => {
  test("codex_export_context: title names the pack; include_git, include_ai_bridge and max_file_bytes shape it", async () => {
    await ok("codex_write_handoff", { plan: "the plan in the bridge" });
    await ok("codex_export_context", { title: "brief", selected_paths: ["long.txt"], include_git: false, include_ai_bridge: true, max_file_bytes: 10 });
    const pack = readFileSync(join(repo, ".ai-bridge", "context-brief.md"), "utf8");
    expect(pack).toContain("0123456789");
    expect(pack).not.toContain("01234567890123456789");
    expect(pack).toContain("### .ai-bridge/current-plan.md (first 10 of");
    expect(pack).not.toMatch(/git status/i);
    const both = await client.callTool("codex_export_context", { title: "x", name: "y" });
    expect(both.isError).toBe(true);
    expect(existsSync(join(repo, ".ai-bridge", "context-x.md")) || existsSync(join(repo, ".ai-bridge", "context-y.md"))).toBe(false);
  });

  test("codex_read_session takes max_total_bytes; codex_run_command takes session_id; bash takes cmd", async () => {
    const read = (await ok("codex_read_session", { session_id: SESSION, max_total_bytes: 14 })) as { messages: Array<{ text: string }>; truncated: boolean };
    expect(read.messages.map((message) => message.text)).toEqual(["the last words"]);
    expect(read.truncated).toBe(true);
    expect(((await ok("codex_run_command", { command: "echo ran", session_id: "shell-1" })) as { stdout: string }).stdout).toBe("ran\n");
    expect(((await ok("bash", { cmd: "echo via cmd", root: repo })) as { stdout: string }).stdout).toBe("via cmd\n");
  });

  test("codex_load_skill finds a plugin's skill, and takes include_global_skills and max_skills", async () => {
    const loaded = (await ok("codex_load_skill", { name: "review", source: "plugin", include_global_skills: true, max_skills: 10 })) as {
      skill: { source: string; path: string };
      content: string;
    };
    expect(loaded.skill).toMatchObject({ source: "plugin", path: "~/.claude/plugins/cache/market/reviewer/1.0.0/skills/review/SKILL.md" });
    expect(loaded.content).toContain("Read the diff first.");
    const local = await client.callTool("codex_load_skill", { name: "review", include_global_skills: false });
    expect((local._meta?.["patchbay/error"] as { code: string }).code).toBe("skill_not_found");
  });

  test("read takes file_path and root/workspace_root; tree and search take root; handoff_to_* take task; codex_sessions lists", async () => {
    expect(((await ok("read", { file_path: "a.txt", root: repo })) as { content: string }).content).toBe("alpha\n");
    expect(((await ok("read", { path: "a.txt", workspace_root: repo })) as { content: string }).content).toBe("alpha\n");
    const tree = (await ok("tree", { root: repo, path: "src" })) as { entries: Array<{ path: string }> };
    expect(tree.entries.map((entry) => entry.path)).toEqual(["src/b.ts"]);
    const found = (await ok("search", { root: repo, query: "const b" })) as { matches: Array<{ path: string }> };
    expect(found.matches.map((match) => match.path)).toEqual(["src/b.ts"]);
    await ok("handoff_to_codex", { task: "do the codex task", root: repo });
    expect(readFileSync(join(repo, ".ai-bridge", "current-plan.md"), "utf8")).toContain("do the codex task");
    await ok("handoff_to_agent", { task: "do the agent task", agent: "claude" });
    expect(readFileSync(join(repo, ".ai-bridge", "current-plan.md"), "utf8")).toContain("do the agent task");
    const sessions = (await ok("codex_sessions", { root: repo })) as { sessions: unknown[] };
    expect(Array.isArray(sessions.sessions)).toBe(true);
  });
});
