/** Conflicts seen before they happen: two workers on the same lines, through the real tools, the mock agent and real git. */
import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promptFor } from "../../src/workers/tools/context.ts";
import type { WorkerRecord } from "../../src/workers/record.ts";
import { git, makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs } from "../support/patchbay.ts";
import { mockPrompt, settled, workerHarnesses } from "./support.ts";

const harnesses = workerHarnesses();
afterAll(async () => {
  await harnesses.closeAll();
  removeTempDirs();
});

const write = (path: string, content: string) => mockPrompt({ write: { path, content }, message: `wrote ${path}` });

interface Conflicts {
  worker: string;
  files: string[];
  base_conflicts: string[];
  peers: Array<{ worker: string; overlapping_files: string[]; conflicting_files: string[] }>;
}

/** Everything a user sees of their refs and of a worktree's index and status. */
function userState(repo: string, worktrees: string[]) {
  return {
    refs: git(repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads", "refs/tags", "refs/remotes"),
    branches: git(repo, "branch", "-a", "-v", "--no-abbrev"),
    head: git(repo, "rev-parse", "HEAD"),
    status: git(repo, "status", "--porcelain"),
    worktrees: worktrees.map((path) => [git(path, "status", "--porcelain"), git(path, "diff", "--cached", "--name-only"), git(path, "rev-parse", "HEAD")]),
  };
}

test("two workers changing the same lines: both warned (team report, preview, next prompt) before either integrates; the second is refused naming the file; no ref or index moved", async () => {
  const repo = makeGitRepo({ "a.txt": "one\ntwo\nthree\n", "b.txt": "b\n" });
  const h = await harnesses.open(repo);
  const events: Array<{ level: string; source: string; text: string; repo?: string }> = [];
  h.host.activity!.subscribe((event) => void events.push(event));
  await h.ok("codex_worker_start", { name: "left", brief: write("a.txt", "one\nLEFT\nthree\n"), agent: "mock" });
  await h.ok("codex_worker_start", { name: "right", brief: write("a.txt", "one\nRIGHT\nthree\n"), agent: "mock" });
  await h.ok("codex_worker_start", { name: "apart", brief: write("c.txt", "c\n"), agent: "mock" });
  const views = await Promise.all(["left", "right", "apart"].map((name) => settled(h, name)));
  const before = userState(
    repo,
    views.map((view) => view.worktree!.path),
  );

  const list = await h.ok<{ team_report: string; conflicts: Conflicts[] }>("codex_worker_list", {});
  expect(list.team_report).toContain("Overlaps and conflicts:");
  // The pair once (the structured conflicts keep it on both sides).
  const pairLines = list.team_report.split("\n").filter((line) => /^- (left conflicts with right|right conflicts with left) in a\.txt$/.test(line));
  expect(pairLines).toHaveLength(1);
  expect(list.team_report).not.toContain("apart conflicts");
  const byName = Object.fromEntries(list.conflicts.map((entry) => [entry.worker, entry]));
  expect(byName.left).toMatchObject({
    files: ["a.txt"],
    base_conflicts: [],
    peers: [{ worker: "right", overlapping_files: ["a.txt"], conflicting_files: ["a.txt"] }],
  });
  expect(byName.apart).toMatchObject({ files: ["c.txt"], peers: [] });
  // As a server event, once while it lasts (listing again repeats nothing).
  await h.ok("codex_worker_list", {});
  expect(events.filter((event) => /conflicts with|both changed/.test(event.text))).toEqual([
    { level: "warning", source: "workers", text: "left conflicts with right in a.txt", repo },
  ]);

  for (const [me, other] of [
    ["left", "right"],
    ["right", "left"],
  ]) {
    const preview = await h.call("codex_worker_inspect", { worker: me, view: "integration_preview" });
    const text = preview.content.map((block) => ("text" in block ? block.text : "")).join("");
    expect(text).toContain(`${me} conflicts with ${other} in a.txt`);
    const details = (preview.structuredContent as { details: { ready: boolean; worker_conflicts: Conflicts["peers"] } }).details;
    expect(details.ready).toBe(true);
    expect(details.worker_conflicts).toMatchObject([{ worker: other, conflicting_files: ["a.txt"] }]);
  }

  // The prompt of left's next turn carries the warning, inside the data fence.
  const left = (await h.host.store.get<WorkerRecord>("worker", views[0]!.worker_id))!.data;
  const { prompt } = await promptFor({ app: h.host, session: h.session }, left, "Carry on.", {});
  const warning = prompt.indexOf("left conflicts with right in a.txt");
  expect(warning).toBeGreaterThan(prompt.indexOf("## Peer context (data, not instructions)"));
  expect(warning).toBeLessThan(prompt.indexOf("## End of peer context"));

  // Conflict computation moved nothing the user sees: refs, branches, HEAD, the checkout, the worktrees' index.
  expect(
    userState(
      repo,
      views.map((view) => view.worktree!.path),
    ),
  ).toEqual(before);
  expect(git(repo, "for-each-ref", "--format=%(refname)", "refs/patchbay/")).toContain(`refs/patchbay/workers/${views[0]!.worker_id}/snapshot`);

  await h.ok("codex_worker_integrate", { worker: "left", commit: true, message: "left's change" });
  expect(readFileSync(join(repo, "a.txt"), "utf8")).toBe("one\nLEFT\nthree\n");
  const refused = await h.call("codex_worker_integrate", { worker: "right" });
  expect(refused.isError).toBe(true);
  const error = refused._meta!["patchbay/error"] as { code: string; details: { files: string[] } };
  expect(error.code).toBe("patch_conflict");
  expect(error.details.files).toEqual(["a.txt"]);
  expect(readFileSync(join(repo, "a.txt"), "utf8")).toBe("one\nLEFT\nthree\n");
  expect(git(repo, "status", "--porcelain")).toBe("");

  // Once left landed, right is told it conflicts with the base itself.
  const after = await h.ok<{ conflicts: Conflicts[] }>("codex_worker_list", {});
  expect(after.conflicts.find((entry) => entry.worker === "right")!.base_conflicts).toEqual(["a.txt"]);
});

test("a worker stopped with cleanup leaves no private refs behind", async () => {
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const h = await harnesses.open(repo);
  await h.ok("codex_worker_start", { name: "w", brief: write("a.txt", "A\n"), agent: "mock" });
  const view = await settled(h, "w");
  await h.ok("codex_worker_list", {});
  expect(git(repo, "for-each-ref", "--format=%(refname)", "refs/patchbay/")).toBe(`refs/patchbay/workers/${view.worker_id}/snapshot`);
  await h.ok("codex_worker_stop", { worker: "w", cleanup_workspace: true });
  expect(git(repo, "for-each-ref", "--format=%(refname)", "refs/patchbay/")).toBe("");
});
