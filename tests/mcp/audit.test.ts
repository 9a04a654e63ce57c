import { afterAll, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { connectStdio } from "../support/clients.ts";
import { until } from "../support/until.ts";
import { removeTempDirs, repoRoot, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

test("every tool call appends one audit line: who, which tool, which repo, outcome, duration, and no arguments", async () => {
  const home = tempDir();
  const client = await connectStdio("v1", { home, args: ["--standalone", "--root", repoRoot] });
  try {
    const self = (await client.callTool("codex_self_test")).structuredContent as { client_ref: string };
    await client.callTool("codex_tool_mode_switch", { mode: "max", reason: "a-secret-looking-reason" });
    const file = `${home}/logs/audit.log`;
    // The line is appended after the answer is sent: wait for it, not for a time.
    await until(() => existsSync(file) && readFileSync(file, "utf8").trimEnd().split("\n").length === 2, "two lines in the audit log");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const lines = readFileSync(file, "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ client_ref: self.client_ref, tool: "codex_self_test", repo: repoRoot, outcome: "ok" });
    expect(lines[1]).toMatchObject({ client_ref: self.client_ref, tool: "codex_tool_mode_switch", outcome: "error", error_code: "invalid_arguments" });
    expect(Object.keys(lines[1]).sort()).toEqual(["client_ref", "duration_ms", "error_code", "outcome", "repo", "time", "tool"]);
    expect(readFileSync(file, "utf8")).not.toContain("a-secret-looking-reason");
  } finally {
    await client.close();
  }
});
