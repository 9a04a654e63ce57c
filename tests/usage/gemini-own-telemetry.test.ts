/**
 * A user who configured Gemini CLI telemetry themselves keeps it during patchbay's turns: patchbay
 * then sets none of its GEMINI_TELEMETRY_* variables (which would override their settings), so
 * their own outfile (or collector) gets the turn, and the turn is accounted when it ends instead of
 * mid-turn. The REAL pinned gemini against the fake Gemini API, through a wrapper that records the
 * environment patchbay gave it.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gemini } from "../../src/agents/gemini.ts";
import { turnOf } from "../agents/support.ts";
import { connectStdio } from "../support/clients.ts";
import { agentBin, type AgentSandbox, geminiSandbox, keepForFile } from "../support/fake-apis/agent-env.ts";
import * as geminiApi from "../support/fake-apis/gemini.ts";
import { tempDir } from "../support/patchbay.ts";
import { agentTurnsUnavailable, call, finished, repo } from "./agent-turns.ts";
import { ledgerEntries } from "./support.ts";

const skip = agentTurnsUnavailable();
if (skip) console.warn(`\n[usage/gemini-own-telemetry] ${skip}\n`);
const keep = keepForFile();

const AUTH = { security: { auth: { selectedType: "gemini-api-key" } } };

/** gemini behind a wrapper that writes the environment it was started with to `envFile`. */
function recordingGemini(box: AgentSandbox): { command: string; envFile: string } {
  const command = join(box.root, "gemini-recording");
  const envFile = join(box.root, "gemini-env.txt");
  writeFileSync(command, `#!/bin/sh\nenv > '${envFile}'\nexec '${agentBin("gemini")}' "$@"\n`);
  chmodSync(command, 0o755);
  return { command, envFile };
}

/** A real gemini plan job: one list_directory call (400 in, 70 out), then an answer (100 in, 10 out). */
async function geminiTurn(box: AgentSandbox, api: geminiApi.GeminiApi) {
  api.script(
    geminiApi.turn([geminiApi.functionCall("list_directory", { dir_path: "." })], { prompt: 400, candidates: 70 }),
    geminiApi.turn([geminiApi.say("Listed.")], { prompt: 100, candidates: 10 }),
  );
  const wrapper = recordingGemini(box);
  const home = tempDir("pb-usage-home-");
  const config = ["[agents]", "idle_timeout_seconds = 30", "kill_grace_seconds = 1", "[agents.commands]", `gemini = ${JSON.stringify(wrapper.command)}`, ""];
  writeFileSync(join(home, "config.toml"), config.join("\n"));
  const ws = repo();
  const client = keep(await connectStdio("v1", { home, args: ["--standalone", "--root", ws, "--tool-mode", "standard"], env: box.env }));
  const spec = { spec: "List, then answer", agent: "gemini", model: "gemini-2.5-flash", repo_path: ws };
  const view = await finished(client, await call(client, "codex_plan_job", spec));
  const childEnv = readFileSync(wrapper.envFile, "utf8").split("\n");
  return { home, view, telemetryVariables: childEnv.filter((line) => line.startsWith("GEMINI_TELEMETRY_")) };
}

/** The model calls an outfile recorded, as gemini's local telemetry writes them. */
function apiResponses(outfile: string): Array<{ input_token_count: number; output_token_count: number }> {
  const records = readFileSync(outfile, "utf8").split(/^}\n/m);
  return records
    .filter((record) => record.includes('"gemini_cli.api_response"'))
    .map((record) => JSON.parse(`${record}}`).attributes)
    .map(({ input_token_count, output_token_count }) => ({ input_token_count, output_token_count }));
}

const BOTH_CALLS = [
  { input_token_count: 400, output_token_count: 70 },
  { input_token_count: 100, output_token_count: 10 },
];

describe.skipIf(skip !== undefined)("a user's own gemini telemetry during a real turn", () => {
  test("~/.gemini/settings.json sending telemetry to their own outfile: the file gets the turn's calls, patchbay sets no telemetry variable, the ledger has the turn", async () => {
    const api = keep(await geminiApi.startGemini());
    const box = keep(geminiSandbox(api.baseUrl));
    const outfile = join(box.root, "my-telemetry.json");
    const telemetry = { enabled: true, target: "local", outfile, logPrompts: false };
    writeFileSync(join(box.home, ".gemini", "settings.json"), JSON.stringify({ ...AUTH, telemetry }, null, 2));
    const { home, view, telemetryVariables } = await geminiTurn(box, api);
    expect(view.state, JSON.stringify(view.result)).toBe("succeeded");
    expect(apiResponses(outfile)).toEqual(BOTH_CALLS);
    expect(telemetryVariables).toEqual([]);
    expect(ledgerEntries(home)).toEqual([expect.objectContaining({ id: view.job_id, agent: "gemini", input_tokens: 500, output_tokens: 80, reported: true })]);
    // Said once in the job's events: why a hard budget waits for this turn's end.
    const notices = view.events.filter((event) => event.text.includes("telemetry is configured by you"));
    expect(notices.map((event) => event.text)).toEqual([expect.stringContaining(`telemetry.enabled in ${join(box.home, ".gemini", "settings.json")}`)]);
  });

  test("their own GEMINI_TELEMETRY_* variables reach gemini as they set them, and their outfile gets the turn's calls", async () => {
    const api = keep(await geminiApi.startGemini());
    const box = keep(geminiSandbox(api.baseUrl));
    const outfile = join(box.root, "my-telemetry.json");
    Object.assign(box.env, { GEMINI_TELEMETRY_ENABLED: "true", GEMINI_TELEMETRY_TARGET: "local", GEMINI_TELEMETRY_OUTFILE: outfile });
    const { view, telemetryVariables } = await geminiTurn(box, api);
    expect(view.state, JSON.stringify(view.result)).toBe("succeeded");
    expect(apiResponses(outfile)).toEqual(BOTH_CALLS);
    expect(telemetryVariables.sort()).toEqual(["GEMINI_TELEMETRY_ENABLED=true", `GEMINI_TELEMETRY_OUTFILE=${outfile}`, "GEMINI_TELEMETRY_TARGET=local"]);
  });
});

/** The variables patchbay adds for a gemini turn in `cwd` under `env`: its own telemetry, or none. */
function telemetrySet(env: Record<string, string>, cwd = tempDir("pb-gemini-ws-"), repositorySettings?: boolean): string[] {
  const added = gemini.command(turnOf({ cwd, repositorySettings }), "gemini", env).env;
  return Object.keys(added).filter((name) => name.startsWith("GEMINI_TELEMETRY_"));
}

const OURS = [
  "GEMINI_TELEMETRY_ENABLED",
  "GEMINI_TELEMETRY_TARGET",
  "GEMINI_TELEMETRY_OUTFILE",
  "GEMINI_TELEMETRY_LOG_PROMPTS",
  "GEMINI_TELEMETRY_USE_COLLECTOR",
];

function settingsAt(file: string, text: string): string {
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, text);
  return file;
}

describe("which of the user's telemetry sources keep patchbay's telemetry variables out", () => {
  const home = tempDir("pb-gemini-home-");
  const none = join(home, "no-such-system-settings.json");
  const base = { HOME: home, GEMINI_CLI_SYSTEM_SETTINGS_PATH: none };

  test("nothing configured, or telemetry only switched off: patchbay's own local telemetry is set", () => {
    expect(existsSync(join(home, ".gemini"))).toBe(false);
    expect(telemetrySet(base)).toEqual(OURS);
    settingsAt(join(home, ".gemini", "settings.json"), JSON.stringify({ ...AUTH, telemetry: { enabled: false } }));
    expect(telemetrySet(base)).toEqual(OURS);
  });

  test("each source that enables telemetry or names a target, an endpoint or an outfile", () => {
    const system = settingsAt(join(tempDir("pb-gemini-etc-"), "settings.json"), '{ "telemetry": { "target": "gcp" } }');
    expect(telemetrySet({ ...base, GEMINI_CLI_SYSTEM_SETTINGS_PATH: system })).toEqual([]);
    const defaults = settingsAt(join(tempDir("pb-gemini-etc-"), "defaults.json"), '{ "telemetry": { "enabled": true } }');
    expect(telemetrySet({ ...base, GEMINI_CLI_SYSTEM_DEFAULTS_PATH: defaults })).toEqual([]);
    const ws = tempDir("pb-gemini-ws-");
    // The workspace's file, with the comments gemini allows in it, when the repository's settings load.
    settingsAt(join(ws, ".gemini", "settings.json"), '{\n  // our collector\n  "telemetry": { "otlpEndpoint": "http://collector:4317", },\n}\n');
    expect(telemetrySet(base, ws, true)).toEqual([]);
    const cliHome = tempDir("pb-gemini-cli-home-");
    settingsAt(join(cliHome, ".gemini", "settings.json"), JSON.stringify({ telemetry: { outfile: "/var/log/gemini.json" } }));
    expect(telemetrySet({ ...base, GEMINI_CLI_HOME: cliHome })).toEqual([]);
    expect(telemetrySet({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toEqual([]);
    // A .env file gemini loads: the repository's (when its settings load), or the home's when the repository has none.
    const dotenvWs = tempDir("pb-gemini-ws-");
    settingsAt(join(dotenvWs, ".env"), 'export GEMINI_TELEMETRY_ENABLED="true" # ours\n');
    expect(telemetrySet(base, dotenvWs, true)).toEqual([]);
    const dotenvHome = tempDir("pb-gemini-cli-home-");
    settingsAt(join(dotenvHome, ".gemini", ".env"), "GEMINI_TELEMETRY_TARGET=gcp\n");
    expect(telemetrySet({ ...base, GEMINI_CLI_HOME: dotenvHome })).toEqual([]);
    expect(telemetrySet({ ...base, GEMINI_TELEMETRY_ENABLED: "1" })).toEqual([]);
  });
});
