/**
 * One view of what changed (src/worktrees/changes.ts): a worker's inspect, an apply job's view and
 * a pipeline run's write phase list the same files for the same change (a rename is both its
 * sides, an untracked file is listed), and a base checkout with a staged rename is dirty by both
 * its paths.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as pipeline from "../../src/pipeline/index.ts";
import { JOB_TOOLS } from "../../src/jobs/tools/index.ts";
import { WORKER_TOOLS } from "../../src/workers/tools/index.ts";
import { changedFiles, uncommittedChanges } from "../../src/worktrees/index.ts";
import { directEnv, pipelineRepo } from "../pipeline/helpers.ts";
import { git, makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs } from "../support/patchbay.ts";
import { harnessSet } from "../support/tools.ts";
import { settled } from "../workers/support.ts";

/** What every agent below does in its checkout: a staged rename, an edit, and a new untracked file. */
const CHANGE = "cat > /dev/null; git mv a.txt moved.txt && printf 'B\\n' > b.txt && printf 'new\\n' > untracked.txt; echo changed";
const FILES = { "a.txt": "a\n", "b.txt": "b\n" };
const LISTED = ["a.txt", "b.txt", "moved.txt", "untracked.txt"];

const harnesses = harnessSet([...JOB_TOOLS, ...WORKER_TOOLS], {
  mode: "standard",
  configToml: `[agents.custom.mover]\ncommand = "/bin/sh"\nargs = ["-c", ${JSON.stringify(CHANGE)}]\n`,
});

afterAll(async () => {
  await harnesses.closeAll();
  removeTempDirs();
});

describe("the files a change touched", () => {
  test("a worker's inspect, an apply job's view and the pipeline's write phase list a rename as both its sides, and the untracked file", async () => {
    const repo = makeGitRepo(FILES);
    const h = await harnesses.open(repo);

    await h.ok("codex_worker_start", { name: "mover", brief: "move a.txt", agent: "mover" });
    const worker = await settled(h, "mover");
    expect(worker.state).toBe("idle");
    const { details } = await h.ok<{ details: { files: Array<{ path: string; status: string }> } }>("codex_worker_inspect", {
      worker: "mover",
      view: "changes",
    });
    expect(details.files.map((file) => file.path)).toEqual(LISTED);
    expect(details.files.find((file) => file.path === "a.txt")?.status).toBe("deleted");

    const job = await h.ok<{ job_id: string }>("codex_apply_job", { spec: "move a.txt", agent: "mover" });
    const done = await h.ok<{ state: string; result?: { changed_files: string[] } }>("codex_get_result", { job_id: job.job_id, wait_seconds: 30 });
    expect(done.state).toBe("succeeded");
    expect(done.result?.changed_files).toEqual(LISTED);

    const runRepo = pipelineRepo(
      `[phases.plan]\nprovider = "mock"\n[phases.write]\nprovider = "mover"\n` +
        `[providers.mover]\nroles = ["write"]\ncommand = "/bin/sh"\nargs = ["-c", ${JSON.stringify(CHANGE)}]\noutput_contract = "text"\n`,
      FILES,
    );
    const env = await directEnv(runRepo);
    const planned = await pipeline.plan(runRepo, "move a.txt", env);
    await pipeline.approve(runRepo, planned.run_id, env);
    const written = await pipeline.write(runRepo, planned.run_id, env);
    expect(written.changed_files).toEqual(LISTED);
  }, 60_000);

  test("integrating a worker into a base checkout with a staged rename refuses it as dirty, naming both paths", async () => {
    const repo = makeGitRepo(FILES);
    const h = await harnesses.open(repo);
    await h.ok("codex_worker_start", { name: "mover", brief: "move a.txt", agent: "mover" });
    await settled(h, "mover");
    git(repo, "mv", "b.txt", "renamed.txt");
    const refused = await h.call("codex_worker_integrate", { worker: "mover" });
    expect(refused.isError).toBe(true);
    expect(refused._meta?.["patchbay/error"]).toMatchObject({ code: "dirty_base", details: { files: ["b.txt", "renamed.txt"] } });
    expect(git(repo, "status", "--porcelain")).toBe("R  b.txt -> renamed.txt");
  }, 60_000);
});

describe("changedFiles and uncommittedChanges", () => {
  test("paths are relative to the checkout, sorted; a folder left out stays out of the dirty list only", async () => {
    const repo = makeGitRepo({ ...FILES, ".ai/patchbay.toml": "" });
    const base = git(repo, "rev-parse", "HEAD");
    git(repo, "rm", "-q", "a.txt");
    writeFileSync(join(repo, ".ai", "run.json"), "{}\n");
    writeFileSync(join(repo, "z.txt"), "z\n");
    expect(await changedFiles(repo, base)).toEqual([
      { path: ".ai/run.json", status: "added", tracked: false },
      { path: "a.txt", status: "deleted", tracked: true },
      { path: "z.txt", status: "added", tracked: false },
    ]);
    expect(await uncommittedChanges(repo)).toEqual([".ai/run.json", "a.txt", "z.txt"]);
    expect(await uncommittedChanges(repo, { exclude: ".ai" })).toEqual(["a.txt", "z.txt"]);
  });
});
