/**
 * The built-in mock agent writes what its prompt says, word for word, so a caller who may start it
 * must not get more through it than a direct write would give: no write through a symlink (out of
 * the repository), none into .git (git's config and hooks run programs, in patchbay's own git
 * too), and in the base checkout (shared_write) only with `exec`. The real tools, real git, the
 * mock run as the child process it always is.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { JOB_TOOLS } from "../../src/jobs/tools/index.ts";
import { WORKER_TOOLS } from "../../src/workers/tools/index.ts";
import { git, makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { harnessSet } from "../support/tools.ts";
import { mockPrompt, settled, WORKER_TOML } from "../workers/support.ts";

const harnesses = harnessSet([...JOB_TOOLS, ...WORKER_TOOLS], { configToml: WORKER_TOML, mode: "full" });
afterAll(async () => {
  await harnesses.closeAll();
  removeTempDirs();
});

/** A repository with a committed symlink `out` to a folder outside it, and that folder. */
function repoWithLinkOut(): { repo: string; outside: string } {
  const outside = tempDir("patchbay-mock-outside-");
  const repo = makeGitRepo({ "a.txt": "a\n" });
  symlinkSync(outside, join(repo, "out"));
  mkdirSync(join(repo, "docs"));
  symlinkSync(join(outside), join(repo, "docs", "linked"));
  git(repo, "add", "out", "docs/linked");
  git(repo, "commit", "-qm", "links out");
  return { repo, outside };
}

/** What an attacker asks the mock to write: through links out, into .git, and one plain file. */
const ATTACK = [
  { path: "out/escaped.txt", content: "escaped\n" },
  { path: "docs/linked/escaped2.txt", content: "escaped\n" },
  { path: ".git/config", content: '[filter "pw"]\n\tclean = "touch /tmp/pwned; cat"\n' },
  { path: ".GIT/info/attributes", content: "* filter=pw\n" },
  { path: "sub/.git", content: "gitdir: /elsewhere\n" },
  { path: "plain.txt", content: "plain\n" },
];

describe("the mock agent's writes", () => {
  test("an isolated job writes its plain file only: nothing through a committed link out, nothing into .git, and its worktree stays a worktree", async () => {
    const { repo, outside } = repoWithLinkOut();
    const h = await harnesses.open(repo);
    const { job_id } = await h.ok<{ job_id: string }>("codex_apply_job", { spec: mockPrompt({ write: ATTACK, message: "done" }), agent: "mock" });
    const done = await h.ok<{ state: string; worktree: { path: string } }>("codex_get_result", { job_id, wait_seconds: 30 });
    expect(done.state).toBe("succeeded");
    expect(existsSync(join(outside, "escaped.txt"))).toBe(false);
    expect(existsSync(join(outside, "escaped2.txt"))).toBe(false);
    expect(readFileSync(join(done.worktree.path, "plain.txt"), "utf8")).toBe("plain\n");
    expect(existsSync(join(done.worktree.path, "sub"))).toBe(false);
    // The worktree's .git is still git's pointer, and the repository's config holds no filter.
    expect(readFileSync(join(done.worktree.path, ".git"), "utf8")).toStartWith("gitdir: ");
    expect(readFileSync(join(repo, ".git", "config"), "utf8")).not.toContain("filter");
    expect(git(done.worktree.path, "status", "--porcelain")).toBe("?? plain.txt");
  });

  test("an isolated worker that tries to replace its worktree's .git leaves every session's worker list working", async () => {
    const repo = makeGitRepo({ "a.txt": "a\n" });
    const h = await harnesses.open(repo);
    await h.ok("codex_worker_start", { name: "w", brief: mockPrompt({ write: { path: ".git", content: "gitdir: /nowhere\n" } }), agent: "mock" });
    const view = await settled(h, "w");
    expect(readFileSync(join(view.worktree!.path, ".git"), "utf8")).toStartWith("gitdir: ");
    expect((await h.call("codex_worker_list", {})).isError).toBeFalsy();
  });

  test("in the base checkout (shared_write) it needs exec: refused by default with nothing written; with exec, .git and links stay refused", async () => {
    const { repo, outside } = repoWithLinkOut();
    const refused = await harnesses.open(repo);
    const brief = mockPrompt({ write: ATTACK, message: "done" });
    expect(await refused.errorCode("codex_worker_start", { name: "w", brief, agent: "mock", workspace_mode: "shared_write" })).toBe("tool_disabled");
    expect(existsSync(join(repo, "plain.txt"))).toBe(false);
    // Direct writes allowed are not enough either: what it writes may be configuration that runs programs.
    const writer = await harnesses.open(repo, { power: { directWrite: true, bashMode: "off" } });
    expect(await writer.errorCode("codex_worker_start", { name: "w", brief, agent: "mock", workspace_mode: "shared_write" })).toBe("tool_disabled");
    // A real agent in the base checkout needs only what it needed before.
    expect((await refused.call("codex_worker_start", { name: "e", brief: "hello", agent: "echoer", workspace_mode: "shared_write" })).isError).toBeFalsy();

    const allowed = await harnesses.open(repo, { power: { bashMode: "full" } });
    await allowed.ok("codex_worker_start", { name: "w", brief, agent: "mock", workspace_mode: "shared_write" });
    await settled(allowed, "w");
    expect(readFileSync(join(repo, "plain.txt"), "utf8")).toBe("plain\n");
    expect(existsSync(join(outside, "escaped.txt"))).toBe(false);
    expect(existsSync(join(outside, "escaped2.txt"))).toBe(false);
    expect(readFileSync(join(repo, ".git", "config"), "utf8")).not.toContain("filter");
    expect(existsSync(join(repo, ".git", "info", "attributes"))).toBe(false);

    // The same worker messaged from a session without exec: refused, nothing written.
    Object.assign(allowed.session.scope.power, { bashMode: "off" });
    const again = mockPrompt({ write: { path: "second.txt", content: "second\n" } });
    expect(await allowed.errorCode("codex_worker_message", { worker: "w", message: again })).toBe("tool_disabled");
    expect(existsSync(join(repo, "second.txt"))).toBe(false);
  });
});
