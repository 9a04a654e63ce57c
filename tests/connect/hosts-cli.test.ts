/**
 * `patchbay mcp install` checked by the hosts themselves: the REAL codex, claude and gemini CLIs
 * (pinned in tests/agents-cli), each with HOME in a temp directory, read the registration install
 * wrote. Claude and Gemini health-check it by starting the registered `patchbay stdio`; Codex then
 * calls two patchbay tools through it, driven by the scripted fake Responses API.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as openai from "../support/fake-apis/openai-responses.ts";
import {
  agentBin,
  agentClisMissing,
  codexSandbox,
  geminiSandbox,
  claudeSandbox,
  runCli,
  type AgentSandbox,
  keepForFile,
} from "../support/fake-apis/agent-env.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { startTestServer, type TestServer } from "../support/patchbay.ts";
import { connectBinary, runConnect } from "./support.ts";

const missing = agentClisMissing();
if (missing) console.warn(`\n[connect/hosts-cli] ${missing}\n`);

const keep = keepForFile();

const RUN_MS = 30_000;

function repo(): string {
  return makeGitRepo({ "README.md": "# scratch\n", "AGENTS.md": "Be brief.\n" }, { prefix: "pb-connect-" });
}

/** Installs into the sandbox; `--standalone` so each host session runs its own server and nothing outlives the test. */
async function install(box: AgentSandbox, ws: string, host: string, extra: string[] = []) {
  const env = { ...box.env, PATCHBAY_HOME: join(box.root, "patchbay-home") };
  const result = await runConnect(["mcp", "install", host, "--root", ws, "--standalone", "--json", ...extra], { cwd: ws, env });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

/**
 * `codex exec` in a new sandbox and repository whose patchbay registration `register` wrote, the
 * scripted model calling `tools` (no arguments) one turn each: the run, and its MCP tool calls.
 */
async function codexCalling(tools: string[], register: (box: AgentSandbox, ws: string) => Promise<unknown>) {
  const call = (name: string) => openai.turn([{ type: "function_call", namespace: "mcp__patchbay", name, arguments: "{}", call_id: `call_${name}` }]);
  const api = keep(await openai.startOpenAIResponses([...tools.map(call), openai.say("patchbay works.")]));
  const box = keep(codexSandbox(api.baseUrl));
  const ws = repo();
  await register(box, ws);
  const run = await runCli(agentBin("codex"), ["exec", "--json", "--sandbox", "workspace-write", "Check patchbay."], {
    cwd: ws,
    env: box.env,
    timeoutMs: 60_000,
  });
  expect(run.code, run.stderr).toBe(0);
  const calls = run.events.filter((event) => event.type === "item.completed" && event.item.type === "mcp_tool_call").map((event) => event.item);
  expect(calls.map((item) => [item.server, item.tool, item.status, item.error])).toEqual(tools.map((tool) => ["patchbay", tool, "completed", null]));
  return { api, ws, run, calls };
}

describe.skipIf(missing !== undefined)("hosts read what `patchbay mcp install` wrote", () => {
  test("codex: `codex mcp list --json` shows patchbay as stdio; the provider config around it is untouched; --http gives streamable_http with the token variable", async () => {
    const box = keep(codexSandbox("http://127.0.0.1:9/v1"));
    const ws = repo();
    const before = readFileSync(join(box.codexHome, "config.toml"), "utf8");
    expect((await install(box, ws, "codex")).status).toBe("added");
    expect(readFileSync(join(box.codexHome, "config.toml"), "utf8").startsWith(before)).toBe(true);
    const list = await runCli(agentBin("codex"), ["mcp", "list", "--json"], { cwd: ws, env: box.env, timeoutMs: RUN_MS });
    expect(list.code, list.stderr).toBe(0);
    const patchbay = JSON.parse(list.stdout).find((server: { name: string }) => server.name === "patchbay");
    expect(patchbay.enabled).toBe(true);
    expect(patchbay.transport).toMatchObject({
      type: "stdio",
      command: connectBinary(),
      args: ["stdio", "--root", ws, "--standalone"],
      env: { PATCHBAY_HOME: join(box.root, "patchbay-home") },
    });

    expect((await install(box, ws, "codex")).status).toBe("unchanged");
    expect((await install(box, ws, "codex", ["--http", "http://127.0.0.1:8123/mcp"])).status).toBe("updated");
    const http = await runCli(agentBin("codex"), ["mcp", "list", "--json"], { cwd: ws, env: box.env, timeoutMs: RUN_MS });
    const entry = JSON.parse(http.stdout).find((server: { name: string }) => server.name === "patchbay");
    expect(entry.transport).toMatchObject({ type: "streamable_http", url: "http://127.0.0.1:8123/mcp", bearer_token_env_var: "PATCHBAY_HTTP_TOKEN" });

    const removed = await runConnect(["mcp", "uninstall", "codex", "--json"], { cwd: ws, env: { ...box.env, PATCHBAY_HOME: join(box.root, "patchbay-home") } });
    expect(JSON.parse(removed.stdout).status).toBe("removed");
    expect(readFileSync(join(box.codexHome, "config.toml"), "utf8")).toBe(before);
  });

  test("claude: `claude mcp list` reports patchbay connected (it starts the registered server)", async () => {
    const box = keep(claudeSandbox("http://127.0.0.1:9"));
    const ws = repo();
    const installed = await install(box, ws, "claude");
    expect(installed).toMatchObject({ status: "added", scope: "local", file: join(box.home, ".claude.json") });
    const list = await runCli(agentBin("claude"), ["mcp", "list"], { cwd: ws, env: box.env, timeoutMs: RUN_MS });
    expect(list.stdout).toContain(`patchbay: ${connectBinary()} stdio --root ${ws} --standalone - ✔ Connected`);
    // Claude refuses a second `mcp add` of the same name; patchbay's install is a no-op instead.
    expect((await install(box, ws, "claude")).status).toBe("unchanged");
  });

  test("gemini: `gemini mcp list` reports patchbay connected, in the project scope by default", async () => {
    const box = keep(geminiSandbox("http://127.0.0.1:9"));
    const ws = repo();
    const installed = await install(box, ws, "gemini");
    expect(installed).toMatchObject({ status: "added", scope: "project", file: join(ws, ".gemini", "settings.json") });
    const list = await runCli(agentBin("gemini"), ["mcp", "list"], { cwd: ws, env: box.env, timeoutMs: RUN_MS });
    expect(list.stdout + list.stderr).toMatch(/patchbay.*Connected/);
  });

  test("codex exec calls codex_self_test and codex_open_workspace through the registration install wrote", async () => {
    const { api, ws, run, calls } = await codexCalling(["codex_self_test", "codex_open_workspace"], (box, ws) => install(box, ws, "codex"));
    expect(JSON.stringify(calls[1].result)).toContain(ws);
    const output = openai.lastInputOfType(api.requests[2]!.body, "function_call_output");
    expect(output.call_id).toBe("call_codex_open_workspace");
    expect(run.events.find((event) => event.item?.type === "agent_message").item.text).toBe("patchbay works.");
  });
});

/**
 * The registration as users get it (no `--standalone`): the host starts `patchbay stdio`, which
 * hands the host's pipes to the server already running for the home (tests/server/relay.test.ts
 * holds the handoff itself). Each host spawns its servers its own way: Claude Code (a Bun
 * binary) and Gemini CLI (Node) with socket pairs, Codex (Rust) with pipes.
 */
describe.skipIf(missing !== undefined)("hosts reach the running server through the relay", () => {
  const servers: TestServer[] = [];
  afterAll(async () => {
    for (const server of servers) await server.stop();
  });
  /** Installs without `--standalone`, with a server running for the sandbox's home. */
  async function installRelayed(box: AgentSandbox, ws: string, host: string) {
    const home = join(box.root, "patchbay-home");
    servers.push(await startTestServer({ home }));
    const result = await runConnect(["mcp", "install", host, "--root", ws, "--json"], { cwd: ws, env: { ...box.env, PATCHBAY_HOME: home } });
    expect(result.code, result.stderr).toBe(0);
  }

  test("claude and gemini report patchbay connected", async () => {
    const claude = keep(claudeSandbox("http://127.0.0.1:9"));
    const claudeWs = repo();
    await installRelayed(claude, claudeWs, "claude");
    const claudeList = await runCli(agentBin("claude"), ["mcp", "list"], { cwd: claudeWs, env: claude.env, timeoutMs: RUN_MS });
    expect(claudeList.stdout).toMatch(/patchbay: .* stdio --root .* - ✔ Connected/);
    expect(claudeList.stdout).not.toContain("--standalone");
    const gemini = keep(geminiSandbox("http://127.0.0.1:9"));
    const geminiWs = repo();
    await installRelayed(gemini, geminiWs, "gemini");
    const geminiList = await runCli(agentBin("gemini"), ["mcp", "list"], { cwd: geminiWs, env: gemini.env, timeoutMs: RUN_MS });
    expect(geminiList.stdout + geminiList.stderr).toMatch(/patchbay.*Connected/);
  });

  test("codex exec calls two tools through it", async () => {
    const { ws, calls } = await codexCalling(["codex_self_test", "codex_list_workspaces"], (box, ws) => installRelayed(box, ws, "codex"));
    expect(JSON.stringify(calls[1].result)).toContain(ws);
  });
});
