/**
 * Issue #11, finding 7: no git read patchbay runs for a caller shows a blocked file. A committed
 * `.env.production` changes in every commit (a merge with a conflict in it included), is modified,
 * staged and untracked next to it; every attempted safe-mode git command and every git view tool
 * is driven through the compiled binary and the SDK's real client, and no value of it may appear
 * in any answer. A regex oracle (`-G`, `-S`) is defeated when a matching and a non-matching
 * pattern get the same answer.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectStdio, type TestClient } from "../support/clients.ts";
import { git, makeGitRepo, writeFiles } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";

/** Every value the blocked files ever held; "wombat" is the prefix a regex oracle would probe. */
const SECRET = {
  first: "wombat-first-ultramarine",
  second: "wombat-second-ultramarine",
  side: "wombat-side-ultramarine",
  main: "wombat-main-ultramarine",
  merged: "wombat-merged-ultramarine",
  staged: "wombat-staged-ultramarine",
  worktree: "wombat-worktree-ultramarine",
  local: "wombat-local-ultramarine",
  /** In `.ENV.backup`: the guard blocks `.env*` whatever the case, as a case-insensitive disk would. */
  upper: "wombat-upper-ultramarine",
};
// Trailing blanks make `git log --check` quote the line.
const env = (value: string) => `API_KEY=${value}   \n`;

/** A repository whose history, index and working tree all hold blocked files with the values above. */
function makeSecretRepo(): string {
  const root = makeGitRepo(
    { "README.md": "readme\n", "src/app.ts": "export const a = 1;\n", ".env.production": env(SECRET.first), "src/.ENV.backup": env(SECRET.upper) },
    { prefix: "patchbay-git-reads-" },
  );
  writeFiles(root, { "README.md": "readme 2\n", ".env.production": env(SECRET.second) });
  git(root, "commit", "-q", "-am", "second");
  git(root, "checkout", "-q", "-b", "side");
  writeFiles(root, { ".env.production": env(SECRET.side), "src/app.ts": "export const a = 2;\n" });
  git(root, "commit", "-q", "-am", "side");
  git(root, "checkout", "-q", "main");
  writeFiles(root, { ".env.production": env(SECRET.main) });
  git(root, "commit", "-q", "-am", "main");
  expect(() => git(root, "merge", "-q", "side")).toThrow();
  writeFiles(root, { ".env.production": env(SECRET.merged) });
  git(root, "commit", "-q", "-am", "merge side");
  writeFiles(root, { ".env.staging": env(SECRET.staged), ".env.production": env(SECRET.worktree), ".env.local": env(SECRET.local), "README.md": "readme 3\n" });
  git(root, "add", "-f", ".env.staging");
  return root;
}

const root = makeSecretRepo();
let client: TestClient;

beforeAll(async () => {
  client = await connectStdio("v1", { home: tempDir(), args: ["--standalone", "--root", root, "--bash-mode", "safe", "--tool-mode", "full"] });
});

afterAll(async () => {
  await client?.close();
  removeTempDirs();
});

/** Everything a caller sees of one tool call: text, structured content, error details. */
async function answer(c: TestClient, tool: string, args: Record<string, unknown>): Promise<string> {
  return JSON.stringify(await c.callTool(tool, args));
}

const leaked = (text: string) => Object.values(SECRET).filter((value) => text.includes(value));

const ATTEMPTS = [
  "git log -p",
  "git log -p --all",
  "git log --patch-with-stat",
  "git log -p -m",
  "git log -p --cc",
  "git log --remerge-diff",
  "git log --remerge-diff -p --oneline",
  "git log --check",
  "git log -p --check",
  "git log --word-diff -p",
  "git log --full-diff -p -- README.md",
  "git log -p --follow -- .env.production",
  "git log -p -- .env.production",
  "git log -p -- .env*",
  "git log -p -- *.production",
  "git log -L1,1:.env.production",
  "git log -G wombat -p",
  "git log -S wombat -p",
  "git log --pickaxe-regex -S wombat -p",
  "git show",
  "git show HEAD",
  "git show HEAD~1",
  "git show --remerge-diff HEAD",
  "git show HEAD:.env.production",
  "git show HEAD~3:.env.production",
  "git show HEAD -- .env.production",
  "git show HEAD --textconv",
  "git diff",
  "git diff --cached",
  "git diff HEAD",
  "git diff HEAD~1",
  "git diff HEAD~3 HEAD",
  "git show HEAD~2",
  "git diff HEAD~1 -- .env.production",
  "git diff --no-index .env.production README.md",
  "git grep wombat",
  "git grep wombat HEAD~2",
  "git status -v",
  "git status -vv",
  "git ls-files -s",
  "git log --format=%B%n%N",
];

describe("safe-mode git commands", () => {
  test("no attempted git command shows a value of a blocked file", async () => {
    const answers: Array<{ command: string; leaked: string[]; stdout: string }> = [];
    for (const command of ATTEMPTS) {
      const text = await answer(client, "codex_run_command", { command });
      answers.push({ command, leaked: leaked(text), stdout: String(JSON.parse(text).structuredContent?.stdout ?? "") });
    }
    expect(answers.filter((entry) => entry.leaked.length > 0).map(({ command, leaked }) => ({ command, leaked }))).toEqual([]);
    // Not refused wholesale: the reads that may run show the other files' changes.
    const shows = { "git log -p": "+readme 2", "git show HEAD~2": "+readme 2", "git diff HEAD~3 HEAD": "+readme 2", "git diff HEAD~1": "+export const a = 2;" };
    expect(
      Object.keys(shows).map((command) => answers.find((entry) => entry.command === command)?.stdout.includes(shows[command as keyof typeof shows])),
    ).toEqual([true, true, true, true]);
  });

  test("from a subdirectory cwd too", async () => {
    const answers = [];
    for (const command of ["git log -p", "git log --remerge-diff", "git log --check", "git diff HEAD~1", "git show HEAD~1"]) {
      answers.push({ command, leaked: leaked(await answer(client, "codex_run_command", { command, cwd: "src" })) });
    }
    expect(answers.filter((entry) => entry.leaked.length > 0)).toEqual([]);
  });

  test("a regex oracle gets the same answer for a matching and a non-matching pattern", async () => {
    for (const [matching, missing] of [
      ["-G wombat", "-G qqqqqq"],
      ["-S wombat", "-S qqqqqq"],
      ["-Gwombat", "-Gqqqqqq"],
      ["--pickaxe-regex -S wom.at", "--pickaxe-regex -S qqq.qq"],
    ]) {
      const probe = async (option: string) =>
        (await answer(client, "codex_run_command", { command: `git log --oneline ${option}` })).replaceAll(option, "OPTION");
      expect({ matching, answer: await probe(matching!) }).toEqual({ matching, answer: await probe(missing!) });
    }
  });

  test("the everyday reads still work: history, the diff against an older commit, a commit's stat", async () => {
    const log = JSON.parse(await answer(client, "codex_run_command", { command: "git log --oneline -5" })) as { structuredContent: { stdout: string } };
    expect(
      log.structuredContent.stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => line.replace(/^\w+ /, "")),
    ).toEqual(["merge side", "main", "side", "second", "first"]);
    const diff = JSON.parse(await answer(client, "codex_run_command", { command: "git diff HEAD~3 --stat" })) as { structuredContent: { stdout: string } };
    expect(diff.structuredContent.stdout).toContain("README.md");
    expect(diff.structuredContent.stdout).not.toContain(".env");
    const show = JSON.parse(await answer(client, "codex_run_command", { command: "git show HEAD~3 --stat" })) as { structuredContent: { stdout: string } };
    expect(show.structuredContent.stdout).toContain("README.md");
    expect(show.structuredContent.stdout).not.toContain(".env");
  });
});

describe("git view tools", () => {
  test("status views list no blocked file, and no view shows a value of one", async () => {
    const opened = JSON.parse(await answer(client, "codex_open_workspace", {})) as {
      structuredContent: { git: { dirty: boolean; counts: Record<string, number> } };
    };
    // Only README.md counts: the modified, staged and untracked .env files are not there.
    expect(opened.structuredContent.git.counts).toEqual({ staged: 0, unstaged: 1, untracked: 0, conflicted: 0 });
    const status = await answer(client, "codex_git_status", {});
    const changes = await answer(client, "codex_show_changes", {});
    const snapshot = await answer(client, "codex_workspace_snapshot", {});
    // The status parts: a diff view names what it left out on purpose (`blocked`), a status lists no blocked file at all.
    const statuses = [JSON.parse(status).structuredContent, JSON.parse(changes).structuredContent.status, JSON.parse(snapshot).structuredContent.git];
    expect(statuses.map((view) => JSON.stringify(view).match(/\.env\.\w+/g))).toEqual([null, null, null]);
    expect(statuses.map((view) => view.short)).toEqual([[" M README.md"], [" M README.md"], [" M README.md"]]);
    const views = [status, changes, snapshot];
    for (const args of [{}, { staged: true }, { ref: "HEAD~3" }, { ref: "HEAD~1", staged: true }, { file_path: ".env.production" }, { file_path: "." }])
      views.push(await answer(client, "codex_git_diff", args));
    views.push(await answer(client, "codex_show_changes", { staged: true }));
    views.push(await answer(client, "codex_get_handoff_diff", {}));
    const exported = JSON.parse(await answer(client, "codex_export_context", { name: "reads", include_diff: true })) as { structuredContent: { file: string } };
    views.push(readFileSync(join(root, exported.structuredContent.file), "utf8"));
    expect(views.flatMap(leaked)).toEqual([]);
    expect(views.at(-1)).toContain("readme 3");
  });
});

describe("a workspace below the repository's top", () => {
  test("safe-mode git reads show neither the top's blocked files nor files outside the root", async () => {
    const repo = makeGitRepo(
      { ".env.production": env(SECRET.first), "other/notes.txt": "outside-notes-content\n", "pkg/app.ts": "export const inside = 1;\n" },
      { prefix: "patchbay-git-top-" },
    );
    writeFiles(repo, { ".env.production": env(SECRET.second), "other/notes.txt": "outside-notes-content 2\n", "pkg/app.ts": "export const inside = 2;\n" });
    git(repo, "commit", "-q", "-am", "second");
    writeFileSync(join(repo, ".env.production"), env(SECRET.worktree));
    const below = await connectStdio("v1", {
      home: tempDir(),
      args: ["--standalone", "--root", join(repo, "pkg"), "--bash-mode", "safe", "--tool-mode", "full"],
    });
    try {
      const answers = [];
      for (const command of [
        "git log -p",
        "git log --stat",
        "git log -p HEAD",
        "git show",
        "git show HEAD~1",
        "git diff HEAD~1",
        "git status",
        "git log -p -- .",
        "git diff HEAD~1 -- .",
        "git show HEAD -- .",
        "git status .",
        "git log -p app.ts",
        "git log -p HEAD~1..HEAD",
        "git diff ^HEAD~1 HEAD",
      ]) {
        const text = await answer(below, "codex_run_command", { command });
        answers.push({
          command,
          leaked: leaked(text),
          outside: /outside-notes|other\/|\.env/.test(text),
          ran: JSON.parse(text).structuredContent?.exit_code === 0,
        });
      }
      expect(answers.filter((entry) => entry.leaked.length > 0 || entry.outside || !entry.ran)).toEqual([]);
      const scoped = JSON.parse(await answer(below, "codex_run_command", { command: "git log -p -- ." })) as { structuredContent: { stdout: string } };
      expect(scoped.structuredContent.stdout).toContain("+export const inside = 2;");
    } finally {
      await below.close();
    }
  });
});

describe("blocked globs git cannot express", () => {
  test("a brace glob in repositories.blocked_globs turns safe-mode git reads off instead of showing what it blocks", async () => {
    const repo = makeGitRepo({ "keys/server.key": `${SECRET.first}\n`, "README.md": "readme\n" }, { prefix: "patchbay-git-braces-" });
    writeFileSync(join(repo, "keys/server.key"), `${SECRET.second}\n`);
    const home = tempDir();
    writeFileSync(join(home, "config.toml"), '[repositories]\nblocked_globs = [".env*", ".git/**", "**/*.{key,pem}"]\n');
    const braces = await connectStdio("v1", { home, args: ["--standalone", "--root", repo, "--bash-mode", "safe", "--tool-mode", "full"] });
    try {
      const answers = [];
      for (const command of ["git log -p", "git show HEAD", "git diff HEAD~0", "git ls-files -s", "git log -p -- keys"])
        answers.push({ command, text: await answer(braces, "codex_run_command", { command }) });
      expect(answers.filter((entry) => leaked(entry.text).length > 0).map((entry) => entry.command)).toEqual([]);
      expect(answers.map((entry) => JSON.parse(entry.text)._meta?.["patchbay/error"]?.code)).toEqual(answers.map(() => "command_not_allowed"));
      expect(JSON.parse(await answer(braces, "codex_run_command", { command: "git rev-parse --abbrev-ref HEAD" })).structuredContent.stdout).toBe("main\n");
      // The view tools decide with the guard's own matcher, so they keep working and still leave the key out.
      const views = [
        await answer(braces, "codex_git_status", {}),
        await answer(braces, "codex_git_diff", {}),
        await answer(braces, "codex_show_changes", {}),
        await answer(braces, "codex_get_handoff_diff", {}),
      ];
      expect(views.flatMap(leaked)).toEqual([]);
      expect(views.filter((view) => view.includes("server.key") && !view.includes('"blocked":["keys/server.key"]'))).toEqual([]);
    } finally {
      await braces.close();
    }
  });
});
