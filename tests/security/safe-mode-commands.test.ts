/**
 * Issue #11, findings 3 and 11 (ls -RL): `power_tools.bash_mode = "safe"` accepts argument shapes,
 * not command names. Driven through the compiled binary (`patchbay stdio --standalone --bash-mode
 * safe`) and the SDK's real client. The effects checked: a program the caller points at (a shell
 * script, a preloaded module, a pytest plugin) leaves no marker file, and a listing shows no file
 * outside the root; the everyday shapes still run.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PatchbayError } from "../../src/errors/index.ts";
import { parseSafeCommand } from "../../src/workspace/safe-commands.ts";
import { connectStdio, type TestClient, type ToolResult } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { debianTool } from "../support/debian.ts";

/** Where the caller-chosen programs would write: outside the repository, so the command line never names it. */
const markers = tempDir("patchbay-markers-");
const outside = tempDir("patchbay-outside-");
writeFileSync(join(outside, "outside-only.txt"), "not yours\n");
const marker = (name: string) => JSON.stringify(join(markers, name));

const root = makeGitRepo(
  {
    "package.json": JSON.stringify({ name: "fixture", private: true, scripts: { test: "node run-tests.js" } }),
    "run-tests.js": "console.log('tests ran with ' + JSON.stringify(process.argv.slice(2)));\n",
    "evil-shell.sh": `#!/bin/sh\necho shell > ${marker("script-shell")}\n`,
    "preload.cjs": `require("fs").writeFileSync(${marker("preload")}, "x");\n`,
    "evil.npmrc": "script-shell=./evil-shell.sh\n",
    "evilplugin.py": `open(${marker("pytest-plugin")}, "w").write("x")\n`,
    "evil.ini": "[pytest]\naddopts = -p evilplugin\npythonpath = .\n",
    "test_ok.py": "def test_ok():\n    assert True\n",
    "README.md": "readme\n",
    "keys/CERT.PEM": "needle-in-the-certificate\n",
    "Cargo.toml": '[package]\nname = "fixture"\nversion = "0.1.0"\nedition = "2021"\n',
    "src/lib.rs": "#[test]\nfn ok() {}\n",
    "notes.txt": "needle\n",
  },
  { prefix: "patchbay-safe-cmd-" },
);
chmodSync(join(root, "evil-shell.sh"), 0o755);
mkdirSync(join(root, "docs"));
symlinkSync(outside, join(root, "docs", "linked"));

/** The target cargo builds for here, so that a --config runner would apply; undefined without rustc. */
const hostTriple = /host: (\S+)/.exec(spawnSync("rustc", ["-vV"], { encoding: "utf8" }).stdout ?? "")?.[1];

let client: TestClient;

beforeAll(async () => {
  client = await connectStdio("v1", { home: tempDir(), args: ["--standalone", "--root", root, "--bash-mode", "safe", "--tool-mode", "full"] });
});

afterAll(async () => {
  await client?.close();
  removeTempDirs();
});

interface Run {
  result: ToolResult;
  /** Everything the caller sees: text, structured content and error details. */
  everything: string;
  code: string | undefined;
  stdout: string;
}

async function run(command: string): Promise<Run> {
  const result = await client.callTool("codex_run_command", { command, timeout_ms: 30_000 });
  const error = result._meta?.["patchbay/error"] as { code: string } | undefined;
  return { result, everything: JSON.stringify(result), code: error?.code, stdout: String(result.structuredContent?.stdout ?? "") };
}

describe("safe mode runs no program the caller chooses", () => {
  const attacks = [
    "npm test --script-shell=./evil-shell.sh",
    "npm test --script-shell ./evil-shell.sh",
    "npm run test --script-shell=./evil-shell.sh",
    "npm test --userconfig=./evil.npmrc",
    "npm test --userconfig ./evil.npmrc",
    "npm test --node-options=--require=./preload.cjs",
    "npm test --node-options --require=./preload.cjs",
    "npm run test --node-options=--require=./preload.cjs",
    "pytest -c evil.ini -q test_ok.py",
    "pytest -o pythonpath=. -p evilplugin -q test_ok.py",
    "pytest -p evilplugin -q test_ok.py",
    "pytest --rootdir=. -c evil.ini test_ok.py",
    "rg --pre ./evil-shell.sh readme",
    "rg --pre=./evil-shell.sh readme",
  ];

  test("npm, pytest and rg options that set a shell, preload a module, load config or a plugin are refused, and no marker appears", async () => {
    const codes = [];
    for (const command of attacks) codes.push({ command, code: (await run(command)).code });
    // The effect first: none of the programs ran.
    expect(readdirSync(markers)).toEqual([]);
    expect(codes).toEqual(attacks.map((command) => ({ command, code: "command_not_allowed" })));
  });

  test.skipIf(!hostTriple)(
    "cargo test --config cannot name a runner, which cargo would start with the test binary (skipped without rustc on PATH)",
    async () => {
      const outcome = await run(`cargo test --offline --config 'target.${hostTriple}.runner="./evil-shell.sh"'`);
      expect(readdirSync(markers)).toEqual([]);
      expect(outcome.code).toBe("command_not_allowed");
    },
  );

  test("options that reach outside the repository or its config are refused: --prefix, -C, --git-dir, --work-tree, --no-index, --config", async () => {
    for (const command of [
      "npm test --prefix=docs",
      "npm test --workspace=docs",
      "npm test --registry=http://127.0.0.1:9",
      "git -C docs log",
      "git --git-dir=docs log",
      "git --work-tree=docs status",
      "git -c core.pager=./evil-shell.sh log",
      "git --config-env=core.pager=PATH log",
      "git diff --no-index README.md evil.ini",
      "git log --output=out.txt",
      "git log --ext-diff -p",
      "git log --textconv -p",
      "git log -p -O evil.ini",
      "cargo test --config target.x.runner=./evil-shell.sh",
      "cargo test --manifest-path docs/Cargo.toml",
      "go test -exec ./evil-shell.sh ./...",
      "go test -toolexec ./evil-shell.sh ./...",
      "go test -modfile=docs/go.mod ./...",
      "go vet -vettool=./evil-shell.sh ./...",
      "tsc --build",
      "tsc -p docs/linked",
      "eslint --rulesdir docs .",
      "eslint --plugin evil .",
      "eslint -c evil.ini .",
      "eslint --resolve-plugins-relative-to docs .",
      "eslint -f ./preload.cjs .",
      "rg --follow readme",
      "rg -L readme",
      "npx evil-package",
      "GIT_DIR=docs git log",
    ]) {
      const outcome = await run(command);
      expect({ command, code: outcome.code }).toEqual({ command, code: outcome.code === "path_outside_roots" ? "path_outside_roots" : "command_not_allowed" });
    }
    expect(readdirSync(markers)).toEqual([]);
  });
});

describe("listings stay inside the root", () => {
  test("ls options that follow symlinks are refused, and no listing shows a file outside the root", async () => {
    const following = [
      "ls -RL",
      "ls -R -L",
      "ls -lRL",
      "ls -LR docs",
      "ls -R --dereference",
      "ls -H docs/linked",
      "ls --dereference-command-line docs/linked",
      "ls --dereference-command-line-symlink-to-dir -R docs",
    ];
    const throughLink = ["ls -R docs/linked", "ls docs/linked", "ls -la docs/linked/"];
    const outcomes = [];
    for (const command of [...following, ...throughLink]) outcomes.push({ command, ...(await run(command)) });
    // The effect first: the outside file's name is in no answer.
    expect(outcomes.filter((outcome) => outcome.everything.includes("outside-only.txt")).map((outcome) => outcome.command)).toEqual([]);
    expect(outcomes.map(({ command, code }) => ({ command, code }))).toEqual([
      ...following.map((command) => ({ command, code: "command_not_allowed" })),
      ...throughLink.map((command) => ({ command, code: "path_outside_roots" })),
    ]);
  });

  test("ls -R lists the tree without descending through the link", async () => {
    const listing = await run("ls -R");
    expect(listing.code).toBeUndefined();
    expect(listing.stdout).toContain("linked");
    expect(listing.stdout).toContain("README.md");
    expect(listing.everything).not.toContain("outside-only.txt");
  });
});

/** rg is not an npm package here: Debian's ripgrep, installed when missing (the test says why it skips otherwise). */
const ripgrep = debianTool("rg", "ripgrep");
const hasRipgrep = "path" in ripgrep;
if (!hasRipgrep) console.warn(`the rg tests of tests/security/safe-mode-commands.test.ts skip: ${ripgrep.skip}`);

describe("rg", () => {
  test.skipIf(!hasRipgrep)(
    "finds matches but none in a blocked file, whatever its case, even with the caller's own globs (skipped without rg on PATH)",
    async () => {
      const outcomes = [];
      for (const command of ["rg needle", "rg -l needle", "rg -i NEEDLE -g *.PEM", "rg needle keys", "rg --files"])
        outcomes.push({ command, ...(await run(command)) });
      expect(outcomes.filter((outcome) => /needle-in-the-certificate|CERT\.PEM/.test(outcome.everything)).map((outcome) => outcome.command)).toEqual([]);
      expect(outcomes[1]!.stdout).toBe("notes.txt\n");
    },
  );
});

describe("the everyday shapes still run", () => {
  test("npm test, with and without arguments for the test script", async () => {
    expect((await run("npm test")).stdout).toContain("tests ran with []");
    expect((await run("npm test -- --grep x")).stdout).toContain('tests ran with ["--grep","x"]');
    expect((await run("npm run test --silent")).stdout).toContain("tests ran with []");
  });

  test("git log, diff, show and status, ls and pytest", async () => {
    writeFileSync(join(root, "README.md"), "readme, changed\n");
    const log = await run("git log --oneline -5");
    expect(log).toMatchObject({ code: undefined });
    expect(log.stdout).toMatch(/^[0-9a-f]{7,} first\n$/);
    expect((await run("git diff")).stdout).toContain("+readme, changed");
    expect((await run("git show HEAD --stat")).stdout).toContain("README.md");
    expect((await run("git status --short")).stdout).toContain(" M README.md");
    expect((await run("ls -la")).stdout).toContain("package.json");
    expect((await run("pytest -q test_ok.py")).stdout).toContain("1 passed");
  });
});

describe("argument shapes", () => {
  const refusal = (command: string) => {
    try {
      parseSafeCommand(command);
      return undefined;
    } catch (error) {
      return error instanceof PatchbayError ? error : undefined;
    }
  };

  test("the everyday shape of every allowed command is accepted", () => {
    const everyday = [
      "pwd",
      "ls -lah src",
      "rg -n -i -g *.ts todo src",
      "rg -e foo -e bar",
      "rg --files",
      "git status -sb",
      "git status -uno",
      "git diff -U5 --stat HEAD~2",
      "git diff HEAD~1..HEAD",
      "git log -5 --oneline",
      "git log -n 5 --format='%h %s'",
      "git log --since='2 weeks ago' --author=Ann",
      "git log main..HEAD --oneline",
      "git show --name-only HEAD",
      "git ls-files -z src",
      "git rev-parse --abbrev-ref HEAD",
      "git branch -vv",
      "npm test",
      "npm test -- --grep x",
      "npm run lint --silent",
      "pnpm test -- --grep x",
      "yarn run build",
      "bun test -t name src",
      "bun run lint",
      "pytest tests/test_x.py::test_a -k 'not slow' -q",
      "pytest -vv -x --tb=short -rA",
      "go test ./...",
      "go test -run TestX -count=1 ./pkg/...",
      "go vet ./...",
      "cargo test -p core --features a,b -- --nocapture",
      "cargo test parser::tests::parses -- --exact --test-threads=1",
      "cargo check --workspace",
      "cargo clippy --all-targets -- -D warnings -W clippy::pedantic",
      "tsc --noEmit -p tsconfig.json",
      "eslint -f json --max-warnings 0 src",
      "biome check --reporter=json src",
    ];
    expect(everyday.filter((command) => refusal(command) !== undefined)).toEqual([]);
  });

  test("a refused option names the options the command does accept", () => {
    const error = refusal("git log -G secret");
    expect(error?.code).toBe("command_not_allowed");
    expect(error?.details?.options).toEqual(expect.arrayContaining(["--oneline", "-p", "--format <value>"]));
    expect(error?.details?.options).not.toContain("-G <value>");
  });
});
