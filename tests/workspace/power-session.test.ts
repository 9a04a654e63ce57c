/** codex_read_session against a fake CODEX_HOME laid out like Codex writes it. */
import { afterAll, afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createToolRegistry } from "../../src/mcp/registry.ts";
import { POWER_TOOLS } from "../../src/workspace/tools/power.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { harnessSet, type HarnessOptions } from "../support/tools.ts";

const SESSION = "0199a2d7-41c4-78b1-b7cc-a45d62a89cd5";
const KEY = `sk-proj-${"q1W2e3R4t5".repeat(4)}`;

const line = (type: string, payload: Record<string, unknown>, timestamp = "2026-01-02T10:00:00.000Z") => JSON.stringify({ timestamp, type, payload });
const message = (role: string, text: string, timestamp?: string) =>
  line("response_item", { type: "message", role, content: [{ type: role === "user" ? "input_text" : "output_text", text }] }, timestamp);

/** A Codex home with one rollout file for SESSION: metadata, a model, four messages and a tool call. */
function fakeCodexHome(): string {
  const home = tempDir("patchbay-codex-home-");
  const dir = join(home, "sessions", "2026", "01", "02");
  mkdirSync(dir, { recursive: true });
  const records = [
    line("session_meta", { id: SESSION, timestamp: "2026-01-02T10:00:00.000Z", cwd: "/work/repo", cli_version: "0.171.0" }),
    line("turn_context", { model: "gpt-5.5", cwd: "/work/repo" }),
    message("user", "fix the test", "2026-01-02T10:00:01.000Z"),
    line("response_item", { type: "function_call", name: "shell", arguments: "{}" }),
    line("event_msg", { type: "agent_reasoning", text: "thinking" }),
    message("assistant", "looking at it", "2026-01-02T10:00:02.000Z"),
    "not json at all",
    message("user", `the key is ${KEY}`, "2026-01-02T10:00:03.000Z"),
    message("assistant", "done: the test passes", "2026-01-02T10:00:04.000Z"),
  ];
  writeFileSync(join(dir, `rollout-2026-01-02T10-00-00-${SESSION}.jsonl`), `${records.join("\n")}\n`);
  return home;
}

const harnesses = harnessSet(POWER_TOOLS, { power: { codexSessionRead: true }, mode: "standard" });
const harness = (options: Partial<HarnessOptions> = {}) => harnesses.open(tempDir(), options);

let savedCodexHome: string | undefined;
beforeEach(() => (savedCodexHome = process.env.CODEX_HOME));
afterEach(() => {
  if (savedCodexHome === undefined) delete process.env.CODEX_HOME;
  else process.env.CODEX_HOME = savedCodexHome;
});
afterAll(async () => {
  await harnesses.closeAll();
  removeTempDirs();
});

type Transcript = {
  session_id: string;
  file: string;
  meta: Record<string, string>;
  messages: Array<{ role: string; text: string; timestamp?: string }>;
  total_messages: number;
  truncated: boolean;
};

describe("codex_read_session", () => {
  test("when power_tools.codex_session_read is off it is hidden and refused naming the setting", async () => {
    const tools = await harness({ power: {} });
    expect(createToolRegistry(POWER_TOOLS).list(tools.session)).toEqual([]);
    const refused = await tools.call("codex_read_session", { session_id: SESSION });
    expect(refused._meta?.["patchbay/error"]).toMatchObject({
      code: "tool_disabled",
      message: expect.stringContaining("codex_read_session is turned off by the setting power_tools.codex_session_read"),
    });
  });

  test("reads the messages of a rollout file found by id under $CODEX_HOME/sessions, with its metadata", async () => {
    process.env.CODEX_HOME = fakeCodexHome();
    const tools = await harness();
    const transcript = await tools.ok<Transcript>("codex_read_session", { session_id: SESSION });
    expect(transcript.file).toBe(`sessions/2026/01/02/rollout-2026-01-02T10-00-00-${SESSION}.jsonl`);
    expect(transcript.meta).toEqual({ cwd: "/work/repo", cli_version: "0.171.0", model: "gpt-5.5", started_at: "2026-01-02T10:00:00.000Z" });
    expect(transcript.messages).toEqual([
      { role: "user", text: "fix the test", timestamp: "2026-01-02T10:00:01.000Z" },
      { role: "assistant", text: "looking at it", timestamp: "2026-01-02T10:00:02.000Z" },
      { role: "user", text: "the key is [redacted]", timestamp: "2026-01-02T10:00:03.000Z" },
      { role: "assistant", text: "done: the test passes", timestamp: "2026-01-02T10:00:04.000Z" },
    ]);
    expect(transcript.total_messages).toBe(4);
    expect(transcript.truncated).toBe(false);
  });

  test("max_messages keeps the newest messages and max_bytes cuts the oldest kept one", async () => {
    process.env.CODEX_HOME = fakeCodexHome();
    const tools = await harness();
    const newest = await tools.ok<Transcript>("codex_read_session", { session_id: SESSION, max_messages: 2 });
    expect(newest.messages.map((entry) => entry.text)).toEqual(["the key is [redacted]", "done: the test passes"]);
    expect(newest.truncated).toBe(true);
    // Redacted before the cut: "the key is [redacted]" is cut, never the key itself.
    const bounded = await tools.ok<Transcript>("codex_read_session", { session_id: SESSION, max_bytes: 35 });
    expect(bounded.messages.map((entry) => entry.text)).toEqual(["the key is [re…", "done: the test passes"]);
    expect(bounded.truncated).toBe(true);
  });

  test("an id that is not a UUID is an invalid argument; an unknown one is session_not_found", async () => {
    process.env.CODEX_HOME = fakeCodexHome();
    const tools = await harness();
    for (const session_id of ["../../etc/passwd", "*", `${SESSION}/x`]) {
      expect(await tools.errorCode("codex_read_session", { session_id })).toBe("invalid_arguments");
    }
    expect(await tools.errorCode("codex_read_session", { session_id: "00000000-0000-0000-0000-000000000000" })).toBe("session_not_found");
  });

  test("a rollout name that is a symlink is not followed", async () => {
    const home = fakeCodexHome();
    const other = "11111111-2222-3333-4444-555555555555";
    const secret = join(tempDir(), "elsewhere.jsonl");
    writeFileSync(secret, `${message("user", "outside")}\n`);
    symlinkSync(secret, join(home, "sessions", "2026", "01", "02", `rollout-2026-01-02T11-00-00-${other}.jsonl`));
    process.env.CODEX_HOME = home;
    const tools = await harness();
    expect(await tools.errorCode("codex_read_session", { session_id: other })).toBe("session_not_found");
  });
});
