/**
 * `patchbay doctor` (the compiled binary) says, per agent, where its credentials come from: the
 * variable names it will pass, or the login file under the agent's home, or what to do when there
 * is neither. Names only: no value ever appears, in the text or the --json output.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { binaryPath, removeTempDirs, runPatchbay, tempDir } from "../support/patchbay.ts";

if (!existsSync(binaryPath)) throw new Error(`${binaryPath} is missing: run \`npx bun scripts/build.ts\` first`);
afterAll(removeTempDirs);

/** Every credential variable doctor looks at, emptied: the test runner's own must not count. */
const CLEARED = Object.fromEntries(
  [
    "OPENAI_API_KEY",
    "CODEX_API_KEY",
    "CODEX_HOME",
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "CLAUDE_CODE_OAUTH_TOKEN",
    "CLAUDE_CONFIG_DIR",
    "CLAUDE_CODE_USE_BEDROCK",
    "CLAUDE_CODE_USE_VERTEX",
    "CLAUDE_CODE_USE_FOUNDRY",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GEMINI_CLI_HOME",
  ].map((name) => [name, ""]),
);
const SECRET = "sk-value-that-must-never-print-4f6a8c";

interface AuthCheck {
  name: string;
  status: string;
  detail: string;
  next?: string;
  credentials: { agent: string; source: string; passed: string[]; withheld: string[]; files: string[] };
}

async function doctor(env: Record<string, string>, config = ""): Promise<{ text: string; json: string; auth: Record<string, AuthCheck> }> {
  const home = tempDir("pb-doctor-home-");
  writeFileSync(join(home, "config.toml"), config);
  const options = { home, env: { ...CLEARED, ...env }, timeoutMs: 30_000 };
  const text = await runPatchbay(["doctor"], options);
  const json = await runPatchbay(["doctor", "--json"], options);
  const checks = (JSON.parse(json.stdout) as { checks: AuthCheck[] }).checks.filter((check) => check.name === "auth");
  return { text: text.stdout, json: json.stdout, auth: Object.fromEntries(checks.map((check) => [check.credentials.agent, check])) };
}

function userHome(): string {
  const home = tempDir("pb-doctor-user-");
  mkdirSync(home, { recursive: true });
  return home;
}

describe("patchbay doctor: each agent's credential source", () => {
  test("without variables or login files: a warning per agent naming the variables and the login it looked for", async () => {
    const { text, auth } = await doctor({ HOME: userHome() });
    expect(Object.keys(auth).sort()).toEqual(["claude", "codex", "gemini"]);
    for (const agent of ["codex", "claude", "gemini"])
      expect(auth[agent]).toMatchObject({ status: "warn", credentials: { source: "none", passed: [], files: [] } });
    expect(auth.codex!.next).toContain("OPENAI_API_KEY");
    expect(auth.codex!.next).toContain("codex login");
    expect(auth.claude!.detail).toContain(".claude/.credentials.json does not exist");
    expect(auth.gemini!.next).toContain("GEMINI_API_KEY");
    expect(text).toMatch(/^warn {2}auth {4}claude has no credentials here: none of ANTHROPIC_API_KEY, /m);
  });

  test("with the variables set: the names each agent will receive, never their values", async () => {
    const home = userHome();
    const codexHome = join(home, "codex-home");
    mkdirSync(codexHome);
    writeFileSync(
      join(codexHome, "config.toml"),
      'model_provider = "fake"\n[model_providers.fake]\nbase_url = "http://127.0.0.1:1/v1"\nenv_key = "FAKE_API_KEY"\n',
    );
    const { text, json, auth } = await doctor({ HOME: home, CODEX_HOME: codexHome, FAKE_API_KEY: SECRET, ANTHROPIC_API_KEY: SECRET, GEMINI_API_KEY: SECRET });
    expect(auth.codex).toMatchObject({ status: "ok", credentials: { source: "variables", passed: ["FAKE_API_KEY"] } });
    expect(auth.claude).toMatchObject({ status: "ok", credentials: { source: "variables", passed: ["ANTHROPIC_API_KEY"] } });
    expect(auth.gemini).toMatchObject({ status: "ok", credentials: { source: "variables", passed: ["GEMINI_API_KEY"] } });
    expect(text).toContain("codex receives FAKE_API_KEY");
    expect(text + json).not.toContain(SECRET);
  });

  test("a subscription login: the login file under the agent's home", async () => {
    const home = userHome();
    mkdirSync(join(home, ".codex"));
    writeFileSync(join(home, ".codex", "auth.json"), JSON.stringify({ tokens: { access_token: SECRET } }));
    const claudeDir = join(home, "claude-config");
    mkdirSync(claudeDir);
    writeFileSync(join(claudeDir, ".credentials.json"), JSON.stringify({ token: SECRET }));
    const { json, auth } = await doctor({ HOME: home, CLAUDE_CONFIG_DIR: claudeDir });
    expect(auth.codex).toMatchObject({ status: "ok", credentials: { source: "login_file", files: [join(home, ".codex", "auth.json")] } });
    expect(auth.claude).toMatchObject({ status: "ok", credentials: { source: "login_file", files: [join(claudeDir, ".credentials.json")] } });
    expect(json).not.toContain(SECRET);
  });

  test("a variable security.denied_env_keys withholds is named with the setting; a custom agent shows its pass_env", async () => {
    const config = '[security]\ndenied_env_keys = ["PATCHBAY_*", "ANTHROPIC_API_KEY"]\n\n[agents.custom.aider]\ncommand = "aider"\npass_env = ["AIDER_*"]\n';
    const { auth } = await doctor({ HOME: userHome(), ANTHROPIC_API_KEY: SECRET, AIDER_MODEL: "x" }, config);
    expect(auth.claude).toMatchObject({ status: "warn", credentials: { source: "none", passed: [], withheld: ["ANTHROPIC_API_KEY"] } });
    expect(auth.claude!.next).toContain("security.denied_env_keys");
    expect(auth.aider).toMatchObject({
      status: "ok",
      detail: "aider receives AIDER_MODEL (its pass_env)",
      credentials: { source: "not_declared", passed: ["AIDER_MODEL"] },
    });
  });
});
