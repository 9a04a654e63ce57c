/**
 * Issue #14 item 10: codex_list_sessions also lists the Codex home's saved sessions (what
 * codex_read_session reads), marked as such, newest first, bounded, only those that ran in the
 * session's repositories, and only when the operator allows session reads.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectStdio } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

const OLD = "0199a2d7-41c4-78b1-b7cc-a45d62a89cd5";
const NEW = "0199a2d7-41c4-78b1-b7cc-b45d62a89cd6";
const ELSEWHERE = "0199a2d7-41c4-78b1-b7cc-c45d62a89cd7";

/** A Codex home laid out as Codex writes it: sessions/YYYY/MM/DD/rollout-<start>-<id>.jsonl. */
function codexHome(repo: string, other: string): string {
  const home = tempDir("pb-codex-home-");
  const write = (day: string, start: string, id: string, cwd: string) => {
    const dir = join(home, "sessions", "2026", "01", day);
    mkdirSync(dir, { recursive: true });
    const meta = JSON.stringify({
      timestamp: `2026-01-${day}T${start}Z`,
      type: "session_meta",
      payload: { id, timestamp: `2026-01-${day}T${start}Z`, cwd, cli_version: "0.171.0" },
    });
    const said = JSON.stringify({
      type: "response_item",
      payload: { type: "message", role: "assistant", content: [{ type: "output_text", text: `hello from ${id}` }] },
    });
    writeFileSync(join(dir, `rollout-2026-01-${day}T${start.replaceAll(":", "-")}-${id}.jsonl`), `${meta}\n${said}\n`);
  };
  write("02", "10:00:00", OLD, repo);
  write("05", "09:00:00", NEW, join(repo, "sub"));
  write("07", "08:00:00", ELSEWHERE, other);
  return home;
}

type Listing = {
  sessions: unknown[];
  codex_home_sessions: Array<{ session_id: string; source: string; cwd: string; file: string }>;
  codex_home_truncated: boolean;
  codex_home_note?: string;
};

describe("codex_list_sessions and the Codex home", () => {
  test("saved sessions of this repository, newest first and marked codex_home; readable by id; bounded; off without session reads", async () => {
    const repo = realpathSync(makeGitRepo({ "a.txt": "a\n" }));
    const other = realpathSync(makeGitRepo({ "b.txt": "b\n" }));
    const env = { CODEX_HOME: codexHome(repo, other) };
    const client = await connectStdio("v1", {
      home: tempDir(),
      args: ["--standalone", "--root", repo, "--tool-mode", "standard", "--codex-session-read"],
      env,
    });
    try {
      const listed = (await client.callTool("codex_list_sessions", {})).structuredContent as Listing;
      expect(listed.codex_home_sessions.map((session) => [session.session_id, session.source, session.cwd])).toEqual([
        [NEW, "codex_home", join(repo, "sub")],
        [OLD, "codex_home", repo],
      ]);
      expect(listed.codex_home_sessions[0]!.file).toBe(`sessions/2026/01/05/rollout-2026-01-05T09-00-00-${NEW}.jsonl`);
      expect(listed.codex_home_truncated).toBe(false);

      const read = await client.callTool("codex_read_session", { session_id: listed.codex_home_sessions[1]!.session_id });
      expect((read.structuredContent as { messages: Array<{ text: string }> }).messages.map((message) => message.text)).toEqual([`hello from ${OLD}`]);

      const one = (await client.callTool("codex_list_sessions", { max_sessions: 1 })).structuredContent as Listing;
      expect(one.codex_home_sessions.map((session) => session.session_id)).toEqual([NEW]);
      expect(one.codex_home_truncated).toBe(true);
    } finally {
      await client.close();
    }

    const closed = await connectStdio("v1", { home: tempDir(), args: ["--standalone", "--root", repo, "--tool-mode", "standard"], env });
    try {
      const listed = (await closed.callTool("codex_list_sessions", {})).structuredContent as Listing;
      expect(listed.codex_home_sessions).toEqual([]);
      expect(listed.codex_home_note).toContain("power_tools.codex_session_read");
    } finally {
      await closed.close();
    }
  });
});
