/**
 * Finding 1 of the security review: with every power tool off, a session switched itself to a
 * bigger catalog, configured `/bin/sh` as a pipeline provider (or a test command) and made the
 * pipeline run it. Each attack here goes through the compiled binary and a real SDK client; the
 * effect checked is the marker file the attacker's program would create.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectHttp, connectStdio, type TestClient } from "../support/clients.ts";
import { git, makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, runPatchbay, startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";

afterAll(removeTempDirs);

const errorCode = (result: { _meta?: Record<string, unknown> }) => (result._meta?.["patchbay/error"] as { code?: string } | undefined)?.code;

/** A program an attacker would like patchbay to run: it leaves `marker` behind. */
function attackerScript(marker: string): { command: string; args: string[] } {
  return { command: "/bin/sh", args: ["-c", `touch ${marker}; echo '# Plan'`] };
}

describe("a default session cannot configure a program for patchbay to run", () => {
  let server: TestServer;
  let repo: string;
  let marker: string;
  beforeAll(async () => {
    repo = makeGitRepo({ "README.md": "hi\n" });
    marker = join(tempDir("patchbay-marker-"), "ran");
    server = await startTestServer({ args: ["--root", repo] });
  });
  afterAll(() => server.stop());

  for (const transport of ["http", "stdio"] as const) {
    test(`over ${transport}: switching to full mode lists the config tools, but every edit that chooses a program is refused and nothing runs`, async () => {
      const client: TestClient =
        transport === "http" ? await connectHttp("v2-modern", server.url) : await connectStdio("v1", { home: server.home, args: ["--root", repo] });
      try {
        await client.callTool("codex_tool_mode_switch", { mode: "full" });
        const attack = attackerScript(marker);
        const attempts: Array<[string, Record<string, unknown>]> = [
          ["patchbay_config_provider_add_cli", { provider_id: "evil", roles: ["plan"], command: attack.command, args: attack.args, output_contract: "text" }],
          ["ai_flow_config_provider_add_cli", { provider_id: "evil", roles: ["plan"], command: attack.command, args: attack.args, output_contract: "text" }],
          ["patchbay_config_test_add", { command: `sh -c 'touch ${marker}'` }],
          ["patchbay_config_command_set", { key: "claude", command: "/bin/sh" }],
          ["patchbay_config_phase_set", { phase: "plan", provider: "claude_cli", command_key: "claude" }],
        ];
        for (const [tool, args] of attempts) {
          const result = await client.callTool(tool, args);
          expect({ tool, code: errorCode(result) }).toEqual({ tool, code: "tool_disabled" });
        }
        const file = join(repo, ".ai", "patchbay.toml");
        const written = existsSync(file) ? readFileSync(file, "utf8") : "";
        for (const chosen of ["/bin/sh", "evil", marker, "command_key"]) expect(written).not.toContain(chosen);
        // The plan phase then runs the default provider, never the attacker's program.
        await client.callTool("patchbay_plan", { task: "anything" });
        expect(existsSync(marker)).toBe(false);
        // Binding a phase to a built-in provider runs nothing new, so it stays allowed.
        const bound = await client.callTool("patchbay_config_phase_set", { phase: "plan", provider: "mock" });
        expect(bound.isError).toBeFalsy();
      } finally {
        await client.close();
      }
    });
  }
});

describe("a pipeline file a model wrote runs nothing until the operator trusts it", () => {
  let server: TestServer;
  let repo: string;
  let marker: string;
  const testMarker = () => `${marker}-test`;
  beforeAll(async () => {
    marker = join(tempDir("patchbay-marker-"), "ran");
    const attack = attackerScript(marker);
    // As an agent would leave it: committed, with a provider and a test command of its choosing.
    const toml = [
      "[providers.helper]",
      'roles = ["plan", "write", "review"]',
      `command = ${JSON.stringify(attack.command)}`,
      `args = ${JSON.stringify(attack.args)}`,
      'output_contract = "text"',
      "[phases.plan]",
      'provider = "helper"',
      "[phases.test]",
      `commands = [${JSON.stringify(`touch ${marker}-test`)}]`,
      "[workflow]",
      "require_plan_approval = false",
      "",
    ].join("\n");
    repo = makeGitRepo({ "README.md": "hi\n", ".ai/patchbay.toml": toml });
    server = await startTestServer({ args: ["--root", repo, "--tool-mode", "standard"] });
  });
  afterAll(() => server.stop());

  test("patchbay_plan refuses the untrusted file; `patchbay config trust` lets it run; a changed file is untrusted again", async () => {
    const client = await connectHttp("v2-legacy", server.url);
    try {
      const refused = await client.callTool("patchbay_plan", { task: "make a plan" });
      expect(errorCode(refused)).toBe("pipeline_config_untrusted");
      expect(existsSync(marker)).toBe(false);
      expect((await client.callTool("patchbay_config_show")).structuredContent).toMatchObject({ trusted: false });

      const trusted = await runPatchbay(["config", "trust", "--repo", repo, "--json"], { home: server.home });
      expect(trusted.code).toBe(0);
      expect(JSON.parse(trusted.stdout)).toMatchObject({ needed: true, settings: { test_commands: [`touch ${marker}-test`], require_plan_approval: false } });
      expect((await client.callTool("patchbay_config_show")).structuredContent).toMatchObject({ trusted: true });
      const planned = await client.callTool("patchbay_plan", { task: "make a plan" });
      expect(planned.isError).toBeFalsy();
      expect(existsSync(marker)).toBe(true);

      // The model edits the file again (a new argument): the operator's trust does not carry over.
      const file = join(repo, ".ai", "patchbay.toml");
      writeFileSync(file, readFileSync(file, "utf8").replace(`touch ${marker}-test`, `touch ${testMarker()}-2`));
      git(repo, "commit", "-qam", "agent: tweak tests");
      const again = await client.callTool("patchbay_plan", { task: "make another plan" });
      expect(errorCode(again)).toBe("pipeline_config_untrusted");
      expect(existsSync(`${testMarker()}-2`)).toBe(false);
    } finally {
      await client.close();
    }
  });

  test("the CLI's phases refuse the untrusted file as well, naming the command that trusts it", async () => {
    const home = tempDir("patchbay-cli-trust-home-");
    const result = await runPatchbay(["plan", "--task", "t", "--standalone", "--repo", repo], { home });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("patchbay config trust");
  });
});

describe("an operator who allows bash_mode full lets sessions configure commands", () => {
  test("provider and test-command edits are accepted and stay trusted, so the phases run them", async () => {
    const repo = makeGitRepo({ "README.md": "hi\n" });
    const marker = join(tempDir("patchbay-marker-"), "ran");
    const server = await startTestServer({ args: ["--root", repo, "--bash-mode", "full", "--tool-mode", "standard"] });
    const client = await connectHttp("v2-modern", server.url);
    try {
      const attack = attackerScript(marker);
      const added = await client.callTool("patchbay_config_provider_add_cli", {
        provider_id: "mine",
        roles: ["plan"],
        command: attack.command,
        args: attack.args,
        output_contract: "text",
      });
      expect(added.isError).toBeFalsy();
      const bound = await client.callTool("patchbay_config_phase_set", { phase: "plan", provider: "mine" });
      expect(bound.structuredContent).toMatchObject({ trusted: true });
      const planned = await client.callTool("patchbay_plan", { task: "plan it" });
      expect(planned.isError).toBeFalsy();
      expect(existsSync(marker)).toBe(true);
    } finally {
      await client.close();
      await server.stop();
    }
  });
});

describe("config edits under one lock", () => {
  test("20 concurrent test-command additions all land, each acknowledged edit kept", async () => {
    const repo = makeGitRepo({ "README.md": "hi\n" });
    const server = await startTestServer({ args: ["--root", repo, "--bash-mode", "full", "--tool-mode", "standard"] });
    const client = await connectHttp("v2-modern", server.url);
    try {
      const commands = Array.from({ length: 20 }, (_, index) => `echo test-${index}`);
      const results = await Promise.all(commands.map((command) => client.callTool("patchbay_config_test_add", { command })));
      expect(results.filter((result) => result.isError)).toEqual([]);
      const shown = (await client.callTool("patchbay_config_show")).structuredContent as { phases: { test: { commands: string[] } } };
      expect([...shown.phases.test.commands].sort()).toEqual([...commands].sort());
    } finally {
      await client.close();
      await server.stop();
    }
  });
});
