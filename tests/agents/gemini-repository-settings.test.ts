/**
 * A repository's `.gemini/` files must not widen what a later gemini job runs: by default gemini
 * loads only the user's and system settings (the repository's hooks and MCP servers never run),
 * the repository's `.gemini/.env` cannot set a variable beyond the API key and project ones (a
 * BASH_ENV there would run a script before every shell command), and a prompt that would run one
 * of the repository's custom commands is refused; `agents.repository_settings = true` is the
 * operator's way back to all of it. The REAL pinned gemini against the fake Gemini API, through
 * the compiled binary and a real MCP client; the effects checked are marker files outside the
 * worktree and the model the fake API is asked for.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectStdio } from "../support/clients.ts";
import { agentBin, agentClisMissing, geminiSandbox, keepForFile } from "../support/fake-apis/agent-env.ts";
import * as geminiApi from "../support/fake-apis/gemini.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { binaryPath, tempDir } from "../support/patchbay.ts";

const skip = agentClisMissing() ?? (existsSync(binaryPath) ? undefined : `SKIPPED: ${binaryPath} is missing; run \`npm run build\` (npm test does it)`);
if (skip) console.warn(`\n[agents/gemini-repository-settings] ${skip}\n`);

const keep = keepForFile();

type View = { job_id: string; done: boolean; state: string; result?: { error?: string; error_code?: string; final_message?: string } };

/** Files a program creates when it runs, outside the repository and its worktrees (a folder per test). */
function markerDir(): { dir: string; at: (name: string) => string; exists: (name: string) => boolean } {
  const dir = tempDir("pb-gemini-markers-");
  return { dir, at: (name) => join(dir, name), exists: (name) => existsSync(join(dir, name)) };
}

/** A script outside the repository that touches the `bash-env` marker: bash runs it before each command when BASH_ENV names it. */
function bashEnvScript(marker: (name: string) => string): string {
  const script = marker("bash-env.sh");
  writeFileSync(script, `touch ${marker("bash-env")}\n`);
  chmodSync(script, 0o755);
  return script;
}

/**
 * A repository whose committed `.gemini/settings.json` names another model and runs programs (a
 * hook on each of three events, an MCP server), and whose `.gemini/.env` sets BASH_ENV to a
 * script outside it, which bash runs before each command.
 */
function repoWithSettings(marker: (name: string) => string): string {
  const hook = (name: string) => [{ hooks: [{ type: "command", command: `touch ${marker(name)}` }] }];
  const settings = {
    model: { name: "gemini-repo-model" },
    hooks: { SessionStart: hook("hook-SessionStart"), BeforeAgent: hook("hook-BeforeAgent"), BeforeTool: hook("hook-BeforeTool") },
    mcpServers: { repo: { command: "sh", args: ["-c", `touch ${marker("mcp-server")}`] } },
  };
  return makeGitRepo(
    { "notes.txt": "hi\n", ".gemini/settings.json": JSON.stringify(settings, null, 2), ".gemini/.env": `BASH_ENV=${bashEnvScript(marker)}\n` },
    { prefix: "pb-gemini-repo-settings-" },
  );
}

/** A sandboxed user whose own ~/.gemini/settings.json picks API-key auth, a model and a hook of theirs. */
function userGemini(api: geminiApi.GeminiApi, marker: (name: string) => string) {
  const box = keep(geminiSandbox(api.baseUrl));
  const user = {
    security: { auth: { selectedType: "gemini-api-key" } },
    model: { name: "gemini-user-model" },
    hooks: { SessionStart: [{ hooks: [{ type: "command", command: `touch ${marker("user-hook")}` }] }] },
  };
  writeFileSync(join(box.home, ".gemini", "settings.json"), JSON.stringify(user, null, 2));
  return box;
}

async function geminiJob(repo: string, box: ReturnType<typeof userGemini>, spec: string, extraConfig = "", tool = "codex_apply_job"): Promise<View> {
  const home = tempDir("pb-gemini-repo-settings-home-");
  const config = [
    "[agents]",
    "idle_timeout_seconds = 30",
    "kill_grace_seconds = 1",
    extraConfig,
    "[agents.commands]",
    `gemini = ${JSON.stringify(agentBin("gemini"))}`,
    "",
  ];
  writeFileSync(join(home, "config.toml"), config.join("\n"));
  const client = keep(await connectStdio("v1", { home, args: ["--standalone", "--root", repo, "--tool-mode", "standard"], env: box.env }));
  const started = await client.callTool(tool, { spec, agent: "gemini", repo_path: repo });
  if (started.isError) throw new Error(JSON.stringify(started.content));
  const jobId = (started.structuredContent as View).job_id;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const view = (await client.callTool("codex_get_result", { job_id: jobId, wait_seconds: 20 })).structuredContent as View;
    if (view.done) return view;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${view.state}`);
  }
}

/** One shell command (bash runs BASH_ENV first, if it is set), then the answer. */
function shellThenAnswer(api: geminiApi.GeminiApi): void {
  api.script(geminiApi.functionCall("run_shell_command", { command: "true" }), geminiApi.say("Done."));
}

const REPOSITORY_PROGRAMS = ["hook-SessionStart", "hook-BeforeAgent", "hook-BeforeTool", "mcp-server", "bash-env"];

describe.skipIf(skip !== undefined)("gemini and the .gemini/ files a repository carries", () => {
  test("by default none of the repository's programs runs, its model is not taken, and the user's own settings and hook apply", async () => {
    const markers = markerDir();
    const api = keep(await geminiApi.startGemini());
    const box = userGemini(api, markers.at);
    shellThenAnswer(api);
    const job = await geminiJob(repoWithSettings(markers.at), box, "Check the tree");
    expect(job.state, JSON.stringify(job.result)).toBe("succeeded");
    expect(job.result?.final_message).toBe("Done.");
    expect(REPOSITORY_PROGRAMS.filter(markers.exists)).toEqual([]);
    expect(markers.exists("user-hook")).toBe(true);
    expect(api.models()).toEqual(["gemini-user-model", "gemini-user-model"]);
  }, 90_000);

  test("a .gemini/.env whose lines end in a lone carriage return (dotenv reads each as a line) cannot set BASH_ENV either", async () => {
    const markers = markerDir();
    const envFile = `NOTE=x\rBASH_ENV=${bashEnvScript(markers.at)}\r`;
    const repo = makeGitRepo({ "notes.txt": "hi\n", ".gemini/.env": envFile }, { prefix: "pb-gemini-repo-env-cr-" });
    const api = keep(await geminiApi.startGemini());
    const box = userGemini(api, markers.at);
    shellThenAnswer(api);
    const job = await geminiJob(repo, box, "Check the tree");
    expect(job.state, JSON.stringify(job.result)).toBe("succeeded");
    expect(markers.exists("bash-env")).toBe(false);
    // The same file does set BASH_ENV where the repository's settings load: it is the default that stops it.
    shellThenAnswer(api);
    const trusted = await geminiJob(repo, box, "Check the tree", "repository_settings = true");
    expect(trusted.state, JSON.stringify(trusted.result)).toBe("succeeded");
    expect(markers.exists("bash-env")).toBe(true);
  }, 90_000);

  test("a read-only (plan) job in the repository itself: none of its hooks or its MCP server runs either", async () => {
    const markers = markerDir();
    const api = keep(await geminiApi.startGemini());
    const box = userGemini(api, markers.at);
    api.script(geminiApi.functionCall("list_directory", { dir_path: "." }), geminiApi.say("Listed."));
    const job = await geminiJob(repoWithSettings(markers.at), box, "List the tree", "", "codex_plan_job");
    expect(job.state, JSON.stringify(job.result)).toBe("succeeded");
    expect(job.result?.final_message).toBe("Listed.");
    expect(REPOSITORY_PROGRAMS.filter(markers.exists)).toEqual([]);
    expect(markers.exists("user-hook")).toBe(true);
  }, 90_000);

  test("with agents.repository_settings the repository's hooks, MCP server, env file and model all apply (so the default above is what stops them)", async () => {
    const markers = markerDir();
    const api = keep(await geminiApi.startGemini());
    const box = userGemini(api, markers.at);
    shellThenAnswer(api);
    const job = await geminiJob(repoWithSettings(markers.at), box, "Check the tree", "repository_settings = true");
    expect(job.state, JSON.stringify(job.result)).toBe("succeeded");
    expect(REPOSITORY_PROGRAMS.filter(markers.exists)).toEqual(REPOSITORY_PROGRAMS);
    expect(markers.exists("user-hook")).toBe(true);
    expect(api.models()).toEqual(["gemini-repo-model", "gemini-repo-model"]);
  }, 90_000);

  test("a prompt that would run the repository's custom command is refused before gemini starts; with agents.repository_settings the command runs", async () => {
    const markers = markerDir();
    const command = `prompt = """Say hi. !{touch ${markers.at("custom-command")}}"""\n`;
    const repo = makeGitRepo({ "notes.txt": "hi\n", ".gemini/commands/greet.toml": command }, { prefix: "pb-gemini-repo-command-" });
    const api = keep(await geminiApi.startGemini());
    const box = userGemini(api, markers.at);
    const refused = await geminiJob(repo, box, "/greet");
    expect(refused.state).toBe("failed");
    expect(refused.result?.error_code).toBe("agent_repository_command");
    expect(refused.result?.error).toContain("agents.repository_settings = true");
    expect(markers.exists("custom-command")).toBe(false);
    expect(api.requests).toEqual([]);

    api.script(geminiApi.say("Hi."));
    const allowed = await geminiJob(repo, box, "/greet", "repository_settings = true");
    expect(allowed.state, JSON.stringify(allowed.result)).toBe("succeeded");
    expect(markers.exists("custom-command")).toBe(true);
  }, 90_000);
});
