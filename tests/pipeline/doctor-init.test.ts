import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/config/index.ts";
import { pipelineChecks } from "../../src/doctor/checks.ts";
import * as pipeline from "../../src/pipeline/index.ts";
import { git, makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, repoRoot, tempDir } from "../support/patchbay.ts";
import { mockToml, pipelineRepo } from "./helpers.ts";

afterAll(() => removeTempDirs());

const serverConfig = () => loadConfig({ home: tempDir("patchbay-doctor-home-") });

describe("patchbay doctor: the pipeline check", () => {
  test("a valid configuration is one ok line", async () => {
    const findings = await pipeline.checkPipelineConfig(pipelineRepo(mockToml()), await serverConfig());
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ status: "ok" });
    expect(findings[0]!.detail).toContain("plan=mock");
  });

  test("one line per problem, each with what to fix", async () => {
    const repo = pipelineRepo(
      [
        '[phases.plan]\nprovider = "my_agent"',
        '[phases.write]\nprovider = "reasonix_cli"',
        '[phases.review]\nprovider = "my_agent"',
        '[phases.fix]\nprovider = "mock"',
        '[phases.test]\ncommands = ["definitely-not-a-command-xyz --run", "npm test | tee log"]',
        '[providers.my_agent]\nroles = ["plan"]\ncommand = "not-on-path-agent-xyz"\noutput_contract = "text"',
      ].join("\n"),
    );
    const findings = await pipeline.checkPipelineConfig(repo, await serverConfig());
    const failures = findings.filter((finding) => finding.status === "fail");
    expect(failures.map((finding) => finding.detail)).toEqual([
      'phase plan: my_agent runs "not-on-path-agent-xyz", which is not on PATH',
      'phase write: reasonix_cli runs "reasonix", which is not on PATH',
      'phase review: phase "review" is bound to provider "my_agent", which has the roles plan, not "review"',
      'test command "definitely-not-a-command-xyz --run": "definitely-not-a-command-xyz" is not on PATH (nor a file in the repository)',
      expect.stringContaining('"|" needs a shell'),
    ]);
    for (const failure of failures) expect(failure.next).toBeTruthy();
    expect(findings.some((finding) => finding.status === "ok")).toBe(false);
  });

  test("configured executables: a relative path in the repository and [agents.commands] count", async () => {
    const repo = pipelineRepo(
      '[phases.plan]\nprovider = "codex_cli"\n[phases.write]\nprovider = "mock"\n[phases.review]\nprovider = "mock"\n[phases.test]\ncommands = ["./run-tests.sh"]\n',
      { "run-tests.sh": "#!/bin/sh\nexit 0\n" },
    );
    spawnSync("chmod", ["+x", join(repo, "run-tests.sh")]);
    const config = await serverConfig();
    const found = await pipeline.checkPipelineConfig(repo, { ...config, agents: { ...config.agents, commands: { codex: process.execPath } } });
    expect(found.map((finding) => finding.status)).toEqual(["ok"]);
    const missing = await pipeline.checkPipelineConfig(repo, { ...config, agents: { ...config.agents, commands: { codex: "/nonexistent/codex" } } });
    expect(missing[0]).toMatchObject({ status: "fail", detail: 'phase plan: codex_cli runs "/nonexistent/codex", which is not on PATH' });
    expect(missing[0]!.next).toContain("agents.commands.codex");
  });

  test("invalid TOML and the legacy file are reported; no config means no pipeline check", async () => {
    const config = await serverConfig();
    const broken = pipelineRepo("[phases.plan\n");
    const [invalid] = await pipelineChecks(broken, config);
    expect(invalid).toMatchObject({ name: "pipeline", status: "fail" });
    expect(invalid!.detail).toContain("not valid TOML");

    const legacy = makeGitRepo({ "README.md": "x\n", ".ai/ai-flow.toml": '[writer]\nprovider = "mock"\n' });
    const legacyFindings = await pipelineChecks(legacy, config);
    expect(legacyFindings[0]).toMatchObject({ name: "pipeline", status: "warn" });

    expect(await pipelineChecks(makeGitRepo({ "README.md": "x\n" }), config)).toEqual([]);
    expect(await pipelineChecks(tempDir("patchbay-not-a-repo-"), config)).toEqual([]);
  });

  test("`patchbay doctor --json` in a repository with a broken phase exits non-zero with the pipeline lines", () => {
    const repo = pipelineRepo('[phases.review]\nprovider = "nope"\n');
    const result = spawnSync(process.execPath, [join(repoRoot, "src/cli.ts"), "doctor", "--json"], {
      cwd: repo,
      encoding: "utf8",
      env: { ...process.env, PATCHBAY_HOME: tempDir("patchbay-doctor-cli-") },
    });
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout) as { ok: boolean; checks: Array<{ name: string; status: string; detail: string }> };
    expect(report.ok).toBe(false);
    const lines = report.checks.filter((check) => check.name === "pipeline");
    expect(lines.some((check) => check.status === "fail" && check.detail.includes('provider "nope", which is not defined'))).toBe(true);
  });
});

describe("patchbay init", () => {
  test("writes the example, git-ignores the local files, and is idempotent", async () => {
    const repo = makeGitRepo({ "README.md": "x\n", ".gitignore": "node_modules" });
    const first = await pipeline.initRepo(repo);
    expect(first).toMatchObject({
      example: { path: ".ai/patchbay.example.toml", action: "created" },
      gitignore: { added: [".ai/patchbay.toml", ".ai/runs/", ".ai/worktrees/", ".ai/logs/", ".patchbay-worktrees/"] },
    });
    expect(first.warning).toBeUndefined();
    const ignoreFile = readFileSync(join(repo, ".gitignore"), "utf8");
    expect(ignoreFile.startsWith("node_modules\n")).toBe(true);
    const example = readFileSync(join(repo, ".ai/patchbay.example.toml"), "utf8");
    expect(example).toBe(pipeline.EXAMPLE_CONFIG);

    const second = await pipeline.initRepo(repo);
    expect(second).toMatchObject({ example: { action: "kept" }, gitignore: { added: [] } });
    expect(readFileSync(join(repo, ".gitignore"), "utf8")).toBe(ignoreFile);

    // The example is what the pipeline reads until .ai/patchbay.toml exists, and it resolves.
    const loaded = await pipeline.loadPipelineConfig(repo);
    expect(loaded.file).toBe(".ai/patchbay.example.toml");
    const view = pipeline.describePipelineConfig(loaded);
    expect(view.phases.plan).toMatchObject({ provider: "claude_cli" });
    expect(view.phases.fix).toMatchObject({ provider: "codex_cli" });
    // The example is committable; the local files are not, nor the original pipeline's logs and worktrees.
    writeFileSync(join(repo, ".ai/patchbay.toml"), "");
    mkdirSync(join(repo, ".ai/logs"));
    writeFileSync(join(repo, ".ai/logs/writer.log"), "x\n");
    mkdirSync(join(repo, ".patchbay-worktrees/run_1"), { recursive: true });
    writeFileSync(join(repo, ".patchbay-worktrees/run_1/a.txt"), "x\n");
    const status = git(repo, "status", "--porcelain", "--untracked-files=all")
      .split("\n")
      .map((line) => line.trim())
      .sort();
    expect(status).toEqual(["?? .ai/patchbay.example.toml", "M .gitignore"]);
  });

  test("warns when the example itself would be ignored", async () => {
    const repo = makeGitRepo({ "README.md": "x\n", ".gitignore": ".ai/\n" });
    const result = await pipeline.initRepo(repo);
    expect(result.gitignore.added).toEqual([".patchbay-worktrees/"]);
    expect(result.warning).toContain("!.ai/patchbay.example.toml");
    rmSync(join(repo, ".gitignore"));
  });

  test("`patchbay pipeline init --json`", () => {
    const repo = makeGitRepo({ "README.md": "x\n" });
    const entry = join(import.meta.dir, "cli-entry.ts");
    const result = spawnSync(process.execPath, [entry, "init", "--json"], {
      cwd: repo,
      encoding: "utf8",
      env: { ...process.env, PATCHBAY_HOME: tempDir("patchbay-init-cli-") },
    });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ example: { action: "created" }, gitignore: { path: ".gitignore" } });
  });
});
