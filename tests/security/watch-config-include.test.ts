/**
 * Red team, issue #16: what is kept on a watched tree (git status output, git's file list and the
 * searches made from it) also depends on files outside the tree: the user's git config and what it
 * includes. A relative `include.path` is relative to the file that holds it (the dotfiles habit:
 * `~/.gitconfig` includes `.gitconfig.local`, which may not exist yet); the kept answers looked for
 * it next to the root instead, and the file list did not look at includes at all. Creating the
 * included file (an excludes file that hides `*.log`, untracked files no longer shown) then
 * changed nothing patchbay said, where a fresh git answered otherwise. Differential against git,
 * through the real binary and the SDK's stdio client, with the user's home its own directory.
 */
import { afterAll, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectStdio, type TestClient } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

/** What a fresh git says, for the user whose environment is `env`: status lines, and the untracked files it lists (what the tree and a search walk). */
function gitSays(root: string, env: Record<string, string>) {
  const run = (...args: string[]) =>
    execFileSync("git", args, { cwd: root, encoding: "utf8", env: { ...process.env, ...env, GIT_OPTIONAL_LOCKS: "0" } })
      .split("\n")
      .filter(Boolean);
  return { status: run("status", "--porcelain"), untracked: run("ls-files", "--others", "--exclude-standard") };
}

/** What patchbay says through its tools, in the same shapes. */
async function patchbaySays(client: TestClient) {
  const status = (await client.callTool("codex_git_status")).structuredContent as { short: string[] };
  const tree = (await client.callTool("codex_repo_tree", { max_depth: 5 })).structuredContent as { entries: Array<{ path: string; type: string }> };
  const found = (await client.callTool("codex_search_repo", { query: "needle" })).structuredContent as { matches: Array<{ path: string }> };
  const untracked = tree.entries.filter((entry) => entry.type === "file" && entry.path.startsWith("u.")).map((entry) => entry.path);
  // Every untracked file holds the needle: the search must find exactly the untracked files git lists.
  expect(found.matches.map((match) => match.path).filter((path) => path.startsWith("u."))).toEqual(untracked);
  return { status: status.short, untracked };
}

/** A repository with two untracked files holding the needle, served by a standalone patchbay to the user whose environment is `env`. */
async function servedRepo(env: Record<string, string>): Promise<{ root: string; client: TestClient }> {
  const root = makeGitRepo({ "a.txt": "tracked\n" });
  writeFileSync(join(root, "u.log"), "needle\n");
  writeFileSync(join(root, "u.txt"), "needle\n");
  return { root, client: await connectStdio("v2-legacy", { home: tempDir(), args: ["--standalone", "--root", root], env }) };
}

/** After each change, asked twice (the second from what was kept), patchbay says what a fresh git says. */
async function expectEachStepAsGitSays(client: TestClient, root: string, env: Record<string, string>, steps: Array<[string, () => void]>): Promise<void> {
  for (const [what, change] of steps) {
    change();
    for (let call = 0; call < 2; call++) expect({ what, says: await patchbaySays(client) }).toEqual({ what, says: gitSays(root, env) });
  }
}

test("a file the user's git config includes, created or changed later, changes status, the tree and the search as it changes git's answers", async () => {
  const home = tempDir("patchbay-user-home-");
  const env = { HOME: home, XDG_CONFIG_HOME: join(home, ".config") };
  writeFileSync(join(home, ".gitconfig"), "[include]\n\tpath = .gitconfig.local\n");
  const { root, client } = await servedRepo(env);
  try {
    // Asked more than once: the later answers come from what was kept.
    for (let call = 0; call < 3; call++) expect(await patchbaySays(client)).toEqual(gitSays(root, env));
    expect(gitSays(root, env).untracked).toEqual(["u.log", "u.txt"]);

    const steps: Array<[string, () => void]> = [
      [
        "the included file made, naming an excludes file that hides *.log",
        () => {
          writeFileSync(join(home, "extra-ignore"), "*.log\n");
          writeFileSync(join(home, ".gitconfig.local"), "[core]\n\texcludesFile = ~/extra-ignore\n");
        },
      ],
      ["that excludes file changed to hide *.txt instead", () => writeFileSync(join(home, "extra-ignore"), "*.txt\n")],
      ["the included file changed to show no untracked files", () => writeFileSync(join(home, ".gitconfig.local"), "[status]\n\tshowUntrackedFiles = no\n")],
    ];
    await expectEachStepAsGitSays(client, root, env, steps);
    expect(gitSays(root, env)).toEqual({ status: [], untracked: ["u.log", "u.txt"] });
  } finally {
    await client.close();
  }
}, 90_000);

test("with GIT_CONFIG_GLOBAL in the server's environment (its git calls get no GIT_*), a ~/.gitconfig made later changes status as it changes git's", async () => {
  const home = tempDir("patchbay-user-home-");
  const env = { HOME: home, XDG_CONFIG_HOME: join(home, ".config") };
  const root = makeGitRepo({ "a.txt": "tracked\n" });
  writeFileSync(join(root, "u.txt"), "needle\n");
  const client = await connectStdio("v2-legacy", {
    home: tempDir(),
    args: ["--standalone", "--root", root],
    env: { ...env, GIT_CONFIG_GLOBAL: join(home, "elsewhere.gitconfig") },
  });
  try {
    for (let call = 0; call < 3; call++) expect(await patchbaySays(client)).toEqual(gitSays(root, env));
    writeFileSync(join(home, ".gitconfig"), "[status]\n\tshowUntrackedFiles = no\n");
    for (let call = 0; call < 2; call++) expect(await patchbaySays(client)).toEqual(gitSays(root, env));
    expect(gitSays(root, env).status).toEqual([]);
  } finally {
    await client.close();
  }
}, 90_000);

test("an included config file in the folder the watch passes over (.git/objects) still changes the tree and the search", async () => {
  const home = tempDir("patchbay-user-home-");
  const env = { HOME: home, XDG_CONFIG_HOME: join(home, ".config") };
  const root = makeGitRepo({ "a.txt": "tracked\n" });
  // Relative to .git/config, as git reads it: .git/objects/extra-config, absent for now.
  execFileSync("git", ["config", "include.path", "objects/extra-config"], { cwd: root });
  writeFileSync(join(root, "u.log"), "needle\n");
  writeFileSync(join(root, "u.txt"), "needle\n");
  const client = await connectStdio("v2-legacy", { home: tempDir(), args: ["--standalone", "--root", root], env });
  try {
    for (let call = 0; call < 3; call++) expect(await patchbaySays(client)).toEqual(gitSays(root, env));
    writeFileSync(join(home, "hide-logs"), "*.log\n");
    writeFileSync(join(root, ".git", "objects", "extra-config"), `[core]\n\texcludesFile = ${join(home, "hide-logs")}\n`);
    for (let call = 0; call < 2; call++) expect(await patchbaySays(client)).toEqual(gitSays(root, env));
    expect(gitSays(root, env).untracked).toEqual(["u.txt"]);
  } finally {
    await client.close();
  }
}, 90_000);

test("a ~/.gitconfig and an excludes file that are symlinks into a dotfiles folder: editing what they point to changes what patchbay says", async () => {
  // GNU stow, home-manager and most dotfile managers link the files: an edit changes the target, never the link.
  const home = tempDir("patchbay-user-home-");
  const env = { HOME: home, XDG_CONFIG_HOME: join(home, ".config") };
  mkdirSync(join(home, "dotfiles"));
  writeFileSync(join(home, "dotfiles", "gitconfig"), "[user]\n\tname = Someone\n");
  writeFileSync(join(home, "dotfiles", "ignore"), "# nothing yet\n");
  symlinkSync(join(home, "dotfiles", "gitconfig"), join(home, ".gitconfig"));
  symlinkSync(join(home, "dotfiles", "ignore"), join(home, ".gitignore_global"));
  const { root, client } = await servedRepo(env);
  try {
    for (let call = 0; call < 3; call++) expect(await patchbaySays(client)).toEqual(gitSays(root, env));
    const steps: Array<[string, () => void]> = [
      [
        "the linked config now names the linked excludes file",
        () => appendFileSync(join(home, "dotfiles", "gitconfig"), "[core]\n\texcludesFile = ~/.gitignore_global\n"),
      ],
      ["the linked excludes file now hides *.log", () => writeFileSync(join(home, "dotfiles", "ignore"), "*.log\n")],
      ["the linked config now shows no untracked files", () => appendFileSync(join(home, "dotfiles", "gitconfig"), "[status]\n\tshowUntrackedFiles = no\n")],
    ];
    await expectEachStepAsGitSays(client, root, env, steps);
    expect(gitSays(root, env)).toEqual({ status: [], untracked: ["u.txt"] });
  } finally {
    await client.close();
  }
}, 90_000);
