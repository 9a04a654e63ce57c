/**
 * `patchbay msg hook`, the Claude Code Stop hook that `mcp install claude --inbox-hook` adds: its
 * answer in each case, through the compiled binary, and a real `claude -p` turn (against the fake
 * Messages API) that the installed hook keeps going while a message waits.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { agentBin, agentClisMissing, claudeSandbox, runCli, type AgentSandbox } from "../support/fake-apis/agent-env.ts";
import * as anthropic from "../support/fake-apis/anthropic-messages.ts";
import { readOwner } from "../../src/server/owner.ts";
import { serverLogFile } from "../../src/server/index.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { binaryPath, removeTempDirs, runPatchbay, startTestServer, tempDir } from "../support/patchbay.ts";

const boxes: AgentSandbox[] = [];
const stops: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const stop of stops) await stop();
  for (const box of boxes) box.cleanup();
  removeTempDirs();
});

async function patchbay(home: string, args: string[], options: { env?: Record<string, string>; input?: string } = {}) {
  return runPatchbay(args, { home, env: { PATCHBAY_AGENT: "", ...options.env }, input: options.input, timeoutMs: 30_000 });
}

async function addAgents(home: string, ...names: string[]): Promise<void> {
  for (const name of names) expect((await patchbay(home, ["token", "add", "--namespace", "team", name, "--json"])).code).toBe(0);
}

async function send(home: string, from: string, to: string, text: string): Promise<void> {
  const sent = await patchbay(home, ["msg", "send", to, text, "--as", from]);
  expect(sent.code, sent.stderr).toBe(0);
}

const stopInput = (active: boolean) =>
  JSON.stringify({ session_id: "s", transcript_path: "/dev/null", cwd: "/", hook_event_name: "Stop", stop_hook_active: active });

test(
  "msg hook: blocks the stop while messages are unread (leaving them unread), and is silent otherwise",
  async () => {
    const home = tempDir();
    await addAgents(home, "alice", "bob");
    const server = await startTestServer({ home });
    try {
      const quiet = await patchbay(home, ["msg", "hook", "--as", "bob@team"], { input: stopInput(false) });
      expect([quiet.code, quiet.stdout, quiet.stderr]).toEqual([0, "", ""]);

      await send(home, "alice@team", "bob", "first");
      await send(home, "alice@team", "bob", "second");
      for (let round = 0; round < 2; round++) {
        const blocked = await patchbay(home, ["msg", "hook", "--as", "bob@team"], { input: stopInput(false) });
        expect(blocked.code).toBe(0);
        const decision = JSON.parse(blocked.stdout) as { decision: string; reason: string };
        expect(decision.decision).toBe("block");
        expect(decision.reason).toContain("2 unread patchbay messages for bob@team (from alice@team)");
        expect(decision.reason).toContain("`inbox` tool");
      }
      // $PATCHBAY_AGENT works as --as does.
      expect(JSON.parse((await patchbay(home, ["msg", "hook"], { input: stopInput(false), env: { PATCHBAY_AGENT: "bob@team" } })).stdout).decision).toBe(
        "block",
      );

      // The loop guard: Claude already goes on because of a Stop hook, so the hook lets it stop.
      const guarded = await patchbay(home, ["msg", "hook", "--as", "bob@team"], { input: stopInput(true) });
      expect([guarded.code, guarded.stdout]).toEqual([0, ""]);
      // No identity, an unknown agent, a bare name, input that is not JSON or none at all: silent, exit 0.
      const cases: Array<[string[], string]> = [
        [[], stopInput(false)],
        [["--as", "nobody@team"], stopInput(false)],
        [["--as", "bob"], stopInput(false)],
        [["--as", "bob@team"], "not json"],
        [["--as", "bob@team"], ""],
      ];
      for (const [args, input] of cases) {
        const silent = await patchbay(home, ["msg", "hook", ...args], { input });
        expect([silent.code, silent.stdout], `${args.join(" ")} ${input}`).toEqual([0, ""]);
      }

      // The hook only looked: bob's inbox still has both messages; once read, the hook is silent.
      const inbox = await patchbay(home, ["msg", "inbox", "--as", "bob@team"]);
      expect(inbox.stdout).toContain("2 new");
      const after = await patchbay(home, ["msg", "hook", "--as", "bob@team"], { input: stopInput(false) });
      expect([after.code, after.stdout]).toEqual([0, ""]);
    } finally {
      await server.stop();
    }

    // No server running: silent, exit 0, and no server was started by the hook. A background
    // server's launch opens its log before the hook could go on, and none has been opened.
    const noServer = await patchbay(home, ["msg", "hook", "--as", "bob@team"], { input: stopInput(false) });
    expect([noServer.code, noServer.stdout, noServer.stderr]).toEqual([0, "", ""]);
    expect(existsSync(serverLogFile(home))).toBe(false);
    expect(readOwner(home)).toBeUndefined();
  },
  { timeout: 90_000 },
);

const missing = agentClisMissing();

describe.skipIf(missing !== undefined)("the installed hook in a real claude -p turn", () => {
  // user: with CLAUDE_CONFIG_DIR, so $CLAUDE_CONFIG_DIR/settings.json is where Claude reads it.
  test.each(["local", "project", "user"])(
    "claude -p, --scope %s: the Stop hook makes Claude go on once with the reason, then lets it stop (stop_hook_active)",
    async (scope) => {
      const home = tempDir();
      await addAgents(home, "alice", "bob");
      const server = await startTestServer({ home });
      stops.push(() => server.stop());
      await send(home, "alice@team", "bob", "please review PR 7");

      const api = await anthropic.startAnthropicMessages([anthropic.say("All done."), anthropic.say("I will read my inbox now.")]);
      stops.push(() => api.stop());
      const box = claudeSandbox(api.baseUrl);
      boxes.push(box);
      const configDir = join(box.root, "claude-config");
      if (scope === "user") box.env.CLAUDE_CONFIG_DIR = configDir;
      const ws = makeGitRepo({ "README.md": "# x\n" }, { prefix: "pb-hook-ws-" });

      // Installed the way a person would, into this sandbox's HOME; PATCHBAY_HOME is passed on in the command.
      const env = { HOME: box.home, ...(scope === "user" && { CLAUDE_CONFIG_DIR: configDir }) };
      const installed = await runPatchbay(["mcp", "install", "claude", "--scope", scope, "--inbox-hook", "--agent", "bob@team", "--json"], {
        home,
        cwd: ws,
        env,
      });
      expect(installed.code, installed.stderr).toBe(0);
      const report = JSON.parse(installed.stdout) as { inbox_hook: { file: string; command: string } };
      const file = { local: join(ws, ".claude", "settings.local.json"), project: join(ws, ".claude", "settings.json"), user: join(configDir, "settings.json") }[
        scope
      ]!;
      expect(report.inbox_hook.file).toBe(file);
      expect(report.inbox_hook.command).toBe(`PATCHBAY_HOME=${home} ${binaryPath} msg hook --as bob@team`);

      // --strict-mcp-config: this turn is about the hook, not the MCP server install also registered.
      const run = await runCli(agentBin("claude"), ["-p", "Finish up.", "--output-format", "stream-json", "--verbose", "--strict-mcp-config"], {
        cwd: ws,
        env: box.env,
        timeoutMs: 60_000,
      });
      expect(run.code, run.stderr + run.stdout).toBe(0);
      expect(run.events.at(-1)).toMatchObject({ type: "result", is_error: false, result: "I will read my inbox now." });
      // Two model requests: the turn, then the continuation the hook forced; the second hook run (stop_hook_active) let it stop.
      const requests = api.modelRequests();
      expect(requests).toHaveLength(2);
      const continued = JSON.stringify(requests[1]!.body.messages);
      expect(continued).toContain("1 unread patchbay message for bob@team (from alice@team)");
      expect(continued).toContain("`inbox` tool");
      expect(JSON.stringify(requests[0]!.body.messages)).not.toContain("unread patchbay message");
      // The hook never read the message: it is still bob's to read.
      expect((await patchbay(home, ["msg", "inbox", "--as", "bob@team"])).stdout).toContain("please review PR 7");
    },
    { timeout: 120_000 },
  );
});
