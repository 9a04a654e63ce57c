import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type AcpWriterOptions, decidePermission, REASONIX, reasonixAcpArgs, runAcpWriter } from "../../src/agents/acp/index.ts";
import type { AgentEvent } from "../../src/agents/index.ts";
import { PatchbayError } from "../../src/errors/index.ts";
import { fixtures, removeTempDirs, tempDir, gone, workspaceGuard } from "./support.ts";

afterAll(removeTempDirs);

const fakeAgent = join(fixtures, "acp", "fake-acp-agent.mjs");

function worktree(): string {
  const root = tempDir("patchbay-acp-");
  const dir = join(root, "wt");
  mkdirSync(join(dir, "src"), { recursive: true });
  writeFileSync(join(dir, "src", "app.txt"), "original\n");
  return dir;
}

function options(mode: string, overrides: Partial<AcpWriterOptions> = {}): AcpWriterOptions & { events: AgentEvent[] } {
  const events: AgentEvent[] = [];
  const cwd = overrides.cwd ?? worktree();
  return {
    executable: process.execPath,
    args: [fakeAgent],
    cwd,
    prompt: "Implement the plan.",
    env: { PATH: process.env.PATH ?? "", FAKE_ACP_MODE: mode },
    timeoutMs: 20_000,
    idleTimeoutMs: 20_000,
    killGraceMs: 300,
    transcriptPath: join(cwd, "..", "run", "writer.reasonix.jsonl"),
    checkPath: workspaceGuard,
    onEvent: (event) => events.push(event),
    events,
    ...overrides,
  };
}

describe("runAcpWriter with a fake ACP agent", () => {
  test("a turn: initialize, session/new, prompt; in-tree edits allowed, everything else refused, every decision recorded", async () => {
    const opts = options("normal");
    const result = await runAcpWriter(opts);
    expect(result.status).toBe("succeeded");
    expect(result.stopReason).toBe("end_turn");
    expect(result.endedBy).toBe("turn_end");
    expect(result.sessionId).toBe("sess-fake-1");
    expect(result.finalMessage).toBe("Done: wrote src/app.txt and notes/new.md.");
    expect(result.usage).toEqual({ inputTokens: 120, outputTokens: 30 });
    expect(result.permissions.map((p) => [p.tool, p.kind, p.decision])).toEqual([
      ["Edit src/app.txt", "edit", "allow"],
      ["Write notes/new.md", "edit", "allow"],
      ["Edit ../outside.txt", "edit", "reject"],
      ["Move", "move", "reject"],
      ["Edit .env", "edit", "reject"],
      ["Run tests", "execute", "reject"],
      ["Read src/app.txt", "read", "allow"],
      ["Fetch docs", "fetch", "reject"],
      ["Edit without reject", "edit", "cancel"],
    ]);
    for (const record of result.permissions) expect(record.reason.length).toBeGreaterThan(5);
    expect(result.permissions[0]!.optionId).toBe("allow-once");
    expect(result.permissions[2]!.optionId).toBe("reject-once");
    expect(result.permissions[2]!.reason).toContain("outside");
    expect(result.permissions[3]!.reason).toContain("/etc/passwd");
    expect(result.permissions[5]!.reason).toContain("execute");
    expect(result.permissions[8]!.reason).toContain("cancelled");

    // The agent wrote what was allowed, and nothing it was refused.
    expect(readFileSync(join(opts.cwd, "src", "app.txt"), "utf8")).toBe("hello from the fake agent\n");
    expect(readFileSync(join(opts.cwd, "notes", "new.md"), "utf8")).toBe("# notes\n");
    expect(existsSync(join(opts.cwd, "..", "outside.txt"))).toBe(false);
    expect(existsSync(join(opts.cwd, ".env"))).toBe(false);
    expect(existsSync(join(opts.cwd, "executed.txt"))).toBe(false);

    // Normalized events: session, reasoning, messages, tool calls, file changes, usage.
    const types = opts.events.map((event) => event.type);
    expect(opts.events[0]).toEqual({ type: "session", sessionId: "sess-fake-1" });
    expect(opts.events).toContainEqual({ type: "reasoning", text: "Planning the edit." });
    expect(opts.events).toContainEqual({ type: "message", text: "I will edit files." });
    expect(opts.events).toContainEqual({ type: "file_change", path: "src/app.txt", kind: "update" });
    expect(opts.events).toContainEqual({ type: "file_change", path: "notes/new.md", kind: "update" });
    expect(opts.events).toContainEqual({ type: "tool_call", name: "Edit src/app.txt", status: "completed" });
    expect(types).toContain("usage");
    expect(opts.events.filter((event) => event.type === "error").length).toBe(6);

    // The transcript has every message both ways, the initialize params and the permission notes.
    const transcript = readFileSync(opts.transcriptPath!, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const init = transcript.find((entry) => entry.dir === "out" && entry.message.method === "initialize");
    expect(init.message.params).toEqual({ protocolVersion: 1, clientInfo: { name: "patchbay", version: expect.any(String) }, clientCapabilities: {} });
    const newSession = transcript.find((entry) => entry.dir === "out" && entry.message.method === "session/new");
    expect(newSession.message.params.cwd).toBe(opts.cwd);
    const prompt = transcript.find((entry) => entry.dir === "out" && entry.message.method === "session/prompt");
    expect(prompt.message.params).toEqual({ sessionId: "sess-fake-1", prompt: [{ type: "text", text: "Implement the plan." }] });
    expect(transcript.filter((entry) => entry.dir === "note" && entry.message.permission).length).toBe(9);
    // A client method patchbay does not offer is answered with -32601, not ignored.
    const fsError = transcript.find((entry) => entry.dir === "out" && entry.message.error);
    expect(fsError.message.error.code).toBe(-32601);
    // The group is gone once the turn ended.
    expect(await gone(result.pid!)).toBe(true);
  }, 30_000);

  test("malformed lines are reported as raw events and do not end the turn", async () => {
    const opts = options("malformed");
    const result = await runAcpWriter(opts);
    expect(result.status).toBe("succeeded");
    const raws = opts.events.filter((event) => event.type === "raw").map((event) => (event as { line: string }).line);
    expect(raws).toContain("this is not json");
    expect(raws).toContain("[1,2,3]");
    expect(raws.some((line) => line.includes("424242"))).toBe(true);
  }, 30_000);

  test("the wall-clock timeout ends the whole process group", async () => {
    const stderr: string[] = [];
    const opts = options("hang", { timeoutMs: 1500, onStderr: (chunk) => stderr.push(chunk) });
    const result = await runAcpWriter(opts);
    expect(result.status).toBe("failed");
    expect(result.endedBy).toBe("timeout");
    expect(result.error).toBe("stopped after 1.5 s (the turn's time limit)");
    const grandchild = JSON.parse(
      stderr
        .join("")
        .split("\n")
        .find((line) => line.includes("grandchild"))!,
    ).grandchild as number;
    expect(await gone(grandchild)).toBe(true);
    expect(await gone(result.pid!)).toBe(true);
  }, 30_000);

  test("the idle timeout and the AbortSignal end the turn", async () => {
    const idle = await runAcpWriter(options("hang", { idleTimeoutMs: 800 }));
    expect(idle.endedBy).toBe("idle_timeout");
    expect(idle.error).toBe("stopped after 0.8 s without output");
    const controller = new AbortController();
    // Cancelled once the hanging agent reported its grandchild: it is running by then.
    let stderr = "";
    const onStderr = (chunk: string) => {
      stderr += chunk;
      if (stderr.includes("grandchild")) controller.abort();
    };
    const cancelled = await runAcpWriter(options("hang", { signal: controller.signal, onStderr }));
    expect(cancelled.endedBy).toBe("cancelled");
    expect(cancelled.status).toBe("failed");
    expect(cancelled.error).toBe("cancelled");
  }, 30_000);

  test("an agent that exits mid-turn fails with its stderr", async () => {
    const result = await runAcpWriter(options("crash"));
    expect(result.status).toBe("failed");
    expect(result.endedBy).toBe("exit");
    expect(result.exit.code).toBe(3);
    expect(result.error).toContain("exited (code 3) before ending the turn");
    expect(result.error).toContain("no API key configured");
  }, 30_000);

  test("a stopReason other than end_turn is a failure that names it", async () => {
    const result = await runAcpWriter(options("refusal"));
    expect(result.status).toBe("failed");
    expect(result.stopReason).toBe("refusal");
    expect(result.error).toBe('the turn ended with stopReason "refusal"');
  }, 30_000);

  test("a missing executable names npm install -g reasonix and the config key", async () => {
    const opts = options("normal", { executable: "reasonix-not-installed-anywhere", env: { PATH: "/nonexistent" } });
    const error = await runAcpWriter(opts).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PatchbayError);
    expect((error as PatchbayError).code).toBe("agent_not_found");
    expect((error as PatchbayError).text).toContain("npm install -g reasonix");
    expect((error as PatchbayError).text).toContain("[commands].reasonix");
    expect(REASONIX.configKey).toBe("[commands].reasonix in .ai/patchbay.toml");
  });

  test("reasonixAcpArgs: acp, confined to the worktree, --model only when given", () => {
    expect(reasonixAcpArgs()).toEqual(["acp", "--workspace-only"]);
    expect(reasonixAcpArgs("deepseek-pro")).toEqual(["acp", "--workspace-only", "--model", "deepseek-pro"]);
  });
});

describe("decidePermission", () => {
  const ask = (toolCall: Record<string, unknown>, root: string) =>
    decidePermission(
      {
        sessionId: "s",
        toolCall,
        options: [
          { optionId: "y", kind: "allow_once" },
          { optionId: "n", kind: "reject_once" },
        ],
      },
      root,
      workspaceGuard,
    );

  test("edits through a symlink that leaves the worktree, into .git, or to secret-like names are rejected", async () => {
    const root = worktree();
    const outside = tempDir("patchbay-acp-out-");
    symlinkSync(outside, join(root, "link"));
    for (const path of ["link/x.txt", ".git/config", "config/private_key.pem", "secrets/a.txt", "~/x", "src/../../x", "C:\\x"]) {
      const { record, outcome } = await ask({ title: path, kind: "edit", rawInput: { path } }, root);
      expect([path, record.decision]).toEqual([path, "reject"]);
      expect(outcome).toEqual({ outcome: { outcome: "selected", optionId: "n" } });
    }
  });

  test("every path of an edit must be safe, nested keys included; no path, unknown kinds and missing kinds are rejected", async () => {
    const root = worktree();
    expect((await ask({ kind: "edit", rawInput: { edits: [{ file_path: "src/a.ts" }, { file_path: "src/b.ts" }] } }, root)).record.decision).toBe("allow");
    expect((await ask({ kind: "edit", rawInput: { edits: [{ file_path: "src/a.ts" }, { file_path: "/etc/hosts" }] } }, root)).record.decision).toBe("reject");
    expect((await ask({ kind: "edit", rawInput: { content: "x" } }, root)).record.reason).toContain("names no path");
    expect((await ask({ kind: "think", rawInput: {} }, root)).record.decision).toBe("reject");
    expect((await ask({ rawInput: { path: "src/a.ts" } }, root)).record.kind).toBe("unknown");
    expect((await ask({ rawInput: { path: "src/a.ts" } }, root)).record.decision).toBe("reject");
    expect((await ask({ kind: "delete", locations: [{ path: join(root, "src/app.txt") }] }, root)).record.decision).toBe("allow");
  });

  test("allow_always is never selected; without allow_once the request is refused", async () => {
    const root = worktree();
    const { record } = await decidePermission(
      {
        toolCall: { kind: "edit", rawInput: { path: "src/a.ts" } },
        options: [
          { optionId: "always", kind: "allow_always" },
          { optionId: "no", kind: "reject_always" },
        ],
      },
      root,
      workspaceGuard,
    );
    expect(record.decision).toBe("reject");
    expect(record.optionId).toBe("no");
  });
});
