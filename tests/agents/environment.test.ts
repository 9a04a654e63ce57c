/**
 * The one environment builder (src/agents/environment.ts): what each agent receives, checked
 * against the facts recorded from the pinned CLIs (fixtures/agent-env.json); what never passes;
 * the failure hints; and a custom agent's argument prompt that would read as an option.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type AgentAdapter,
  agentEnvironment,
  childEnvironment,
  claude,
  codex,
  commandEnvironment,
  credentialHint,
  customAgent,
  type EnvPolicy,
  gemini,
  gitEnvironment,
  patchbayItselfEnvironment,
  runAgent,
  tunnelEnvironment,
} from "../../src/agents/index.ts";
import { PatchbayError } from "../../src/errors/index.ts";
import { fixtures, removeTempDirs, tempDir } from "./support.ts";

afterAll(removeTempDirs);

interface AgentFacts {
  reads: string[];
  reads_when?: Record<string, string[]>;
  missing: Array<{ message: string; variable?: string }>;
}
const FACTS = (JSON.parse(readFileSync(join(fixtures, "agent-env.json"), "utf8")) as { agents: Record<"codex" | "claude" | "gemini", AgentFacts> }).agents;
const ADAPTERS: Record<keyof typeof FACTS, AgentAdapter> = { codex, claude, gemini };

/** The defaults of config.toml: nothing added, PATCHBAY_* denied, the token in PATCHBAY_HTTP_TOKEN. */
const DEFAULT_POLICY: EnvPolicy = { allowed: [], denied: ["PATCHBAY_*"], tokenEnv: "PATCHBAY_HTTP_TOKEN" };
const HOME = "/home/someone";

function sourceWith(...names: string[]): Record<string, string> {
  return { HOME, PATH: "/usr/bin:/bin", ...Object.fromEntries(names.map((name) => [name, `value-of-${name}`])) };
}

describe("what each agent receives with the default configuration", () => {
  for (const [name, facts] of Object.entries(FACTS)) {
    test(`${name}: every variable the pinned CLI reads, and nothing else of the server's`, () => {
      const source = { ...sourceWith(...facts.reads), UNRELATED: "x", OTHER_API_KEY: "y" };
      const env = agentEnvironment(ADAPTERS[name as keyof typeof FACTS], DEFAULT_POLICY, {}, source);
      expect(Object.keys(env).sort()).toEqual(["HOME", "PATH", ...facts.reads].sort());
    });
  }

  test("claude: the Bedrock, Vertex and Foundry variables only when that provider is switched on", () => {
    for (const [the_switch, variables] of Object.entries(FACTS.claude.reads_when!)) {
      const off = agentEnvironment(claude, DEFAULT_POLICY, {}, sourceWith(...variables));
      expect(variables.filter((variable) => variable in off)).toEqual([]);
      const on = agentEnvironment(claude, DEFAULT_POLICY, {}, { ...sourceWith(...variables), [the_switch]: "1" });
      expect(variables.filter((variable) => !(variable in on))).toEqual([]);
      expect(agentEnvironment(claude, DEFAULT_POLICY, {}, { ...sourceWith(...variables), [the_switch]: "0" })).not.toHaveProperty(variables[0]!);
    }
  });

  test("codex: each model_providers env_key and env_http_headers variable of $CODEX_HOME/config.toml, never a glob from it", () => {
    const codexHome = tempDir();
    writeFileSync(
      join(codexHome, "config.toml"),
      [
        'profile = "work"',
        "[profiles.work]",
        'model_provider = "corp"',
        "[model_providers.corp]",
        'base_url = "http://127.0.0.1:1/v1"',
        'env_key = "CORP_LLM_KEY"',
        'env_http_headers = { "X-Org" = "CORP_ORG_HEADER" }',
        "[model_providers.sneaky]",
        'env_key = "*"',
        'env_http_headers = { "X-All" = "SECRET_*" }',
        "",
      ].join("\n"),
    );
    const source = { ...sourceWith("CORP_LLM_KEY", "CORP_ORG_HEADER", "SECRET_DB_PASSWORD", "UNRELATED"), CODEX_HOME: codexHome };
    const env = agentEnvironment(codex, DEFAULT_POLICY, {}, source);
    expect(env).toMatchObject({ CODEX_HOME: codexHome, CORP_LLM_KEY: "value-of-CORP_LLM_KEY", CORP_ORG_HEADER: "value-of-CORP_ORG_HEADER" });
    expect(env).not.toHaveProperty("SECRET_DB_PASSWORD");
    expect(env).not.toHaveProperty("UNRELATED");
  });

  test("codex: an unreadable or broken config.toml names nothing and breaks nothing", () => {
    const codexHome = tempDir();
    writeFileSync(join(codexHome, "config.toml"), "model_providers = [[[ not toml");
    expect(Object.keys(agentEnvironment(codex, DEFAULT_POLICY, {}, { ...sourceWith(), CODEX_HOME: codexHome })).sort()).toEqual(["CODEX_HOME", "HOME", "PATH"]);
    expect(Object.keys(agentEnvironment(codex, DEFAULT_POLICY, {}, { ...sourceWith(), CODEX_HOME: join(codexHome, "absent") })).sort()).toEqual([
      "CODEX_HOME",
      "HOME",
      "PATH",
    ]);
  });

  test("a custom agent gets its pass_env names and PREFIX_* globs", () => {
    const agent = customAgent("mine", {
      command: "mine",
      args: [],
      prompt_mode: "stdin",
      output_contract: "text",
      env: { FIXED: "1" },
      pass_env: ["MINE_*", "EXACT"],
    });
    const env = agentEnvironment(agent, DEFAULT_POLICY, {}, sourceWith("MINE_KEY", "MINE_URL", "EXACT", "EXACTLY", "OPENAI_API_KEY"));
    expect(Object.keys(env).sort()).toEqual(["EXACT", "HOME", "MINE_KEY", "MINE_URL", "PATH"]);
  });

  test("the base list: locale, terminal, proxies (both cases) and TLS bundles pass; git calls get no GIT_*", () => {
    const base = [
      "LANG",
      "LC_ALL",
      "TZ",
      "TERM",
      "XDG_CONFIG_HOME",
      "HTTPS_PROXY",
      "https_proxy",
      "NO_PROXY",
      "no_proxy",
      "SSL_CERT_FILE",
      "NODE_EXTRA_CA_CERTS",
      "REQUESTS_CA_BUNDLE",
    ];
    const env = childEnvironment(DEFAULT_POLICY, { source: sourceWith(...base, "GIT_DIR", "AWS_SECRET_ACCESS_KEY") });
    for (const name of base) expect(env[name], name).toBe(`value-of-${name}`);
    expect(env).not.toHaveProperty("AWS_SECRET_ACCESS_KEY");
    const git = gitEnvironment({ GIT_PAGER: "cat" }, sourceWith("GIT_DIR", "GIT_INDEX_FILE", "LANG", "PATCHBAY_HTTP_TOKEN"));
    expect(Object.keys(git).sort()).toEqual(["GIT_PAGER", "HOME", "LANG", "PATH"]);
  });
});

describe("what never passes", () => {
  const TOKEN = "tok-3a9c1e5b2d4f6a8c";
  const server = {
    ...sourceWith("OPENAI_API_KEY", "UNRELATED"),
    PATCHBAY_HTTP_TOKEN: TOKEN,
    PATCHBAY_AGENT_TOKEN: "pbt_abcdef0123456789",
    MY_HTTP_TOKEN: "custom-token-5b2d4f6a8c0e",
    INNOCENT: "pbt_fedcba9876543210",
    EMBEDS_TOKEN: `Bearer ${TOKEN}`,
    PATCHBAY_HOME: "/home/someone/.patchbay",
  };

  test('allowed_env_keys = ["*"] passes everything else; the token variable (auth.token_env too), pbt_ tokens and the token value never', () => {
    const policy: EnvPolicy = { allowed: ["*"], denied: [], tokenEnv: "MY_HTTP_TOKEN" };
    for (const env of [
      agentEnvironment(codex, policy, {}, server),
      commandEnvironment(policy, server),
      childEnvironment(policy, { source: server, set: { SNEAKY: "pbt_0000000000000000" } }),
    ]) {
      expect(env).toMatchObject({ UNRELATED: "value-of-UNRELATED", PATCHBAY_HOME: "/home/someone/.patchbay" });
      for (const name of ["PATCHBAY_HTTP_TOKEN", "PATCHBAY_AGENT_TOKEN", "MY_HTTP_TOKEN", "INNOCENT", "SNEAKY"]) expect(env).not.toHaveProperty(name);
      expect(JSON.stringify(env)).not.toContain("pbt_");
    }
    // The token value inside another variable is the token too (auth.token_env = PATCHBAY_HTTP_TOKEN).
    expect(commandEnvironment({ allowed: ["*"], denied: [], tokenEnv: "PATCHBAY_HTTP_TOKEN" }, server)).not.toHaveProperty("EMBEDS_TOKEN");
  });

  test("a tunnel keeps the operator's variables (TUNNEL_TOKEN) but not patchbay's; only patchbay itself gets its token", () => {
    const withTunnel = { ...server, TUNNEL_TOKEN: "cf-tunnel-token", NGROK_AUTHTOKEN: "ngrok-token" };
    const tunnel = tunnelEnvironment("MY_HTTP_TOKEN", withTunnel);
    expect(tunnel).toMatchObject({ TUNNEL_TOKEN: "cf-tunnel-token", NGROK_AUTHTOKEN: "ngrok-token", UNRELATED: "value-of-UNRELATED" });
    for (const name of ["PATCHBAY_HTTP_TOKEN", "PATCHBAY_AGENT_TOKEN", "MY_HTTP_TOKEN", "INNOCENT"]) expect(tunnel).not.toHaveProperty(name);
    expect(patchbayItselfEnvironment("/other/home", server)).toMatchObject({ PATCHBAY_HTTP_TOKEN: TOKEN, PATCHBAY_HOME: "/other/home" });
  });

  test("security.denied_env_keys wins over a declared variable and over allowed_env_keys", () => {
    const policy: EnvPolicy = { allowed: ["*", "OPENAI_API_KEY"], denied: ["OPENAI_*", "PATCHBAY_*"], tokenEnv: "PATCHBAY_HTTP_TOKEN" };
    const env = agentEnvironment(codex, policy, {}, server);
    expect(env).not.toHaveProperty("OPENAI_API_KEY");
    expect(env).not.toHaveProperty("PATCHBAY_HOME");
    expect(env).toHaveProperty("UNRELATED");
  });
});

describe("a turn that finds no credentials says what was looked for and what passes it", () => {
  for (const [name, facts] of Object.entries(FACTS)) {
    for (const missing of facts.missing) {
      test(`${name}: ${JSON.stringify(missing.message.split("\n")[0])}`, () => {
        const adapter = ADAPTERS[name as keyof typeof FACTS];
        const hint = credentialHint(adapter, missing.message, DEFAULT_POLICY, { HOME: tempDir() });
        expect(hint).toBeString();
        if (missing.variable) {
          expect(hint).toContain(`needs ${missing.variable}, which is not set in the environment patchbay was started in`);
          // Set in patchbay's environment but denied: the hint names the setting that withholds it.
          const denied = credentialHint(adapter, missing.message, { ...DEFAULT_POLICY, denied: [missing.variable] }, { [missing.variable]: "x" });
          expect(denied).toContain("security.denied_env_keys withholds");
        } else {
          expect(hint).toContain("ANTHROPIC_API_KEY");
          expect(hint).toContain(".credentials.json");
          expect(hint).toContain("/login");
        }
      });
    }
  }

  test("another failure gets no credential hint", () => {
    expect(credentialHint(claude, "fake API is overloaded", DEFAULT_POLICY)).toBeUndefined();
    expect(credentialHint(codex, "quota exceeded for fake project", DEFAULT_POLICY)).toBeUndefined();
  });
});

describe("a custom agent's argument prompt is never read as an option", () => {
  /** A custom agent that records the argv it was started with in cwd/argv.json. */
  function recorder(args: string[]) {
    const dir = tempDir();
    const script = join(dir, "record.mjs");
    writeFileSync(script, 'import { writeFileSync } from "node:fs";\nwriteFileSync("argv.json", JSON.stringify(process.argv.slice(3)));\n');
    return {
      cwd: dir,
      agent: customAgent("rec", { command: process.execPath, args: [script, "x", ...args], prompt_mode: "arg", output_contract: "text", env: {} }),
    };
  }

  async function run(args: string[], prompt: string) {
    const { cwd, agent } = recorder(args);
    mkdirSync(join(cwd, "scratch"));
    const outcome = runAgent({
      adapter: agent,
      executable: process.execPath,
      env: { PATH: process.env.PATH ?? "" },
      turn: { prompt, cwd, access: "write", scratchDir: join(cwd, "scratch") },
      timeoutMs: 20_000,
      idleTimeoutMs: 20_000,
      killGraceMs: 300,
      onEvent: () => {},
    });
    return { cwd, outcome };
  }

  test("a prompt starting with - is refused before anything runs, unless args puts -- before it", async () => {
    const refused = await run([], "--output=/tmp/owned");
    const error = await refused.outcome.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(PatchbayError);
    expect((error as PatchbayError).code).toBe("invalid_prompt");
    expect((error as PatchbayError).next).toContain('"--"');
    expect(existsSync(join(refused.cwd, "argv.json"))).toBe(false);

    const ended = await run(["--"], "--output=/tmp/owned");
    expect((await ended.outcome).result.status).toBe("succeeded");
    expect(JSON.parse(readFileSync(join(ended.cwd, "argv.json"), "utf8"))).toEqual(["--", "--output=/tmp/owned"]);

    const embedded = await run(["--message={{prompt}}"], "-rf");
    expect((await embedded.outcome).result.status).toBe("succeeded");
    expect(JSON.parse(readFileSync(join(embedded.cwd, "argv.json"), "utf8"))).toEqual(["--message=-rf"]);

    const plain = await run([], "fix the bug");
    expect((await plain.outcome).result.status).toBe("succeeded");
  });
});
