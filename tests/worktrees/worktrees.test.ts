/** The one worktree module (src/worktrees): branch point, create and remove, and the tree fingerprint. */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PatchbayError } from "../../src/errors/index.ts";
import { branchPoint, createScratchWorktree, createWorktree, removeWorktree, treeFingerprint } from "../../src/worktrees/index.ts";
import { git, makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";

afterAll(() => removeTempDirs());

const refusal = { message: "no commit to branch from", next: "commit once" };

describe("creating and removing a worktree", () => {
  test("a worktree on its own new branch at the base commit, removed with its branch; removing again does nothing", async () => {
    const repo = makeGitRepo({ "a.txt": "a\n" });
    const base = await branchPoint(repo, refusal);
    expect(base).toBe(git(repo, "rev-parse", "HEAD"));
    const place = { path: join(tempDir("patchbay-wt-"), "jobs", "job_1"), branch: "patchbay/job-job_1" };
    expect(await createWorktree(repo, place, base)).toEqual({ ...place, base_commit: base });
    expect(git(place.path, "rev-parse", "HEAD")).toBe(base);
    expect(git(place.path, "branch", "--show-current")).toBe("patchbay/job-job_1");
    await removeWorktree(repo, place);
    expect(existsSync(place.path)).toBe(false);
    expect(git(repo, "branch", "--list", place.branch)).toBe("");
    expect(git(repo, "worktree", "list", "--porcelain")).not.toContain(place.path);
    await removeWorktree(repo, place);
    expect(git(repo, "branch", "--show-current")).toBe("main");
  });

  test("a repository without a commit is refused with not_a_git_repo in the caller's words", async () => {
    const repo = makeGitRepo({ "a.txt": "a\n" }, { commits: [] });
    const error = await branchPoint(repo, refusal).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PatchbayError);
    expect(error).toMatchObject({ code: "not_a_git_repo", message: "no commit to branch from", next: "commit once" });
  });

  test("a left-over folder git no longer lists is removed, and an existing branch of the same name deleted", async () => {
    const repo = makeGitRepo({ "a.txt": "a\n" });
    const place = { path: join(tempDir("patchbay-wt-"), "run_1"), branch: "patchbay/run_1" };
    mkdirSync(place.path);
    writeFileSync(join(place.path, "half-written.txt"), "x\n");
    git(repo, "branch", place.branch);
    await removeWorktree(repo, place);
    expect(existsSync(place.path)).toBe(false);
    expect(git(repo, "branch", "--list", place.branch)).toBe("");
  });
  test("a scratch worktree is HEAD detached, on no branch; removing it leaves every branch of the base as it was", async () => {
    const repo = makeGitRepo({ "a.txt": "a\n" });
    git(repo, "branch", "keep-me");
    const branches = git(repo, "branch", "--list");
    const path = join(tempDir("patchbay-wt-"), "integrate-1");
    await createScratchWorktree(repo, path);
    expect(git(path, "rev-parse", "HEAD")).toBe(git(repo, "rev-parse", "HEAD"));
    expect(git(path, "branch", "--show-current")).toBe("");
    expect(await removeWorktree(repo, { path })).toBe(true);
    expect(existsSync(path)).toBe(false);
    expect(git(repo, "worktree", "list", "--porcelain")).not.toContain(path);
    expect(git(repo, "branch", "--list")).toBe(branches);
    expect(await removeWorktree(repo, { path })).toBe(false);
  });
});

describe("treeFingerprint", () => {
  test("the same while nothing changes; different after a tracked edit, a new untracked file, or a staged change", async () => {
    const repo = makeGitRepo({ "a.txt": "a\n", "b.txt": "b\n" });
    const clean = await treeFingerprint(repo);
    expect(clean).toMatch(/^[0-9a-f]{64}$/);
    expect(await treeFingerprint(repo)).toBe(clean);
    writeFileSync(join(repo, "a.txt"), "changed\n");
    const edited = await treeFingerprint(repo);
    expect(edited).not.toBe(clean);
    writeFileSync(join(repo, "new.txt"), "new\n");
    const added = await treeFingerprint(repo);
    expect(added).not.toBe(edited);
    git(repo, "add", "b.txt", "new.txt");
    expect(await treeFingerprint(repo)).not.toBe(added);
  });

  test("`exclude` leaves one folder out (the pipeline's .ai); without it, a change there counts", async () => {
    const repo = makeGitRepo({ "a.txt": "a\n" });
    const before = await treeFingerprint(repo, { exclude: ".ai" });
    const whole = await treeFingerprint(repo);
    mkdirSync(join(repo, ".ai/runs/run_1"), { recursive: true });
    writeFileSync(join(repo, ".ai/runs/run_1/run.json"), "{}\n");
    expect(await treeFingerprint(repo, { exclude: ".ai" })).toBe(before);
    expect(await treeFingerprint(repo)).not.toBe(whole);
    writeFileSync(join(repo, "a.txt"), "changed\n");
    expect(await treeFingerprint(repo, { exclude: ".ai" })).not.toBe(before);
  });

  test("outside git there is nothing to compare: undefined", async () => {
    expect(await treeFingerprint(tempDir("patchbay-plain-"))).toBeUndefined();
  });
});
