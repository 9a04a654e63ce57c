/**
 * Issue #11, findings 5 and 11: the pipeline's `.ai/` files through the real patchbay_* tools. A
 * run folder never hands out what a symlink, hard link or FIFO in it points at; a committed `.ai`
 * symlink never makes patchbay_plan write outside the repository; a corrupt run.json names the
 * file, and one bad line of events.jsonl does not hide the other events.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { linkSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import * as pipeline from "../../src/pipeline/index.ts";
import { PIPELINE_TOOLS } from "../../src/pipeline/tools/index.ts";
import { mockToml, pipelineRepo } from "../pipeline/helpers.ts";
import { git, makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { within } from "../support/clients.ts";
import { harnessSet } from "../support/tools.ts";

const harnesses = harnessSet(PIPELINE_TOOLS, { mode: "standard" });
afterAll(async () => {
  await harnesses.closeAll();
  removeTempDirs();
});

const OUTSIDE_SECRET = "OUTSIDE-SECRET-5d1c";
const ENV_SECRET = "ENV-SECRET-93ab";

type Call = Awaited<ReturnType<Awaited<ReturnType<typeof harnesses.open>>["call"]>>;
const textOf = (result: Call) => JSON.stringify(result);
const codeOf = (result: Call) => (result._meta?.["patchbay/error"] as { code?: string } | undefined)?.code;

/** Every path under `dir` with its size: what a write outside would change. */
function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return `${relative(dir, path)}:${entry.isFile() ? statSync(path).size : entry.isDirectory() ? "dir" : "other"}`;
    })
    .sort();
}

async function plannedRun(files: Record<string, string> = {}) {
  const repo = pipelineRepo(mockToml(), files);
  const h = await harnesses.open(repo);
  const planned = await h.ok<{ run_id: string }>("patchbay_plan", { task: "a task", mock: true });
  return { repo, h, runId: planned.run_id, runDir: join(repo, ".ai/runs", planned.run_id) };
}

describe("a run folder hands out only its own regular files", () => {
  test("symlinks to an outside secret and to .env, and a hard link to .env: patchbay_artifact, patchbay_diff and patchbay_status return none of it", async () => {
    const { repo, h, runId, runDir } = await plannedRun({ ".env": `TOKEN=${ENV_SECRET}\n` });
    const outside = tempDir("patchbay-outside-");
    writeFileSync(join(outside, "secret.txt"), `${OUTSIDE_SECRET}\n`);
    symlinkSync(join(outside, "secret.txt"), join(runDir, "outside.md"));
    symlinkSync("../../../.env", join(runDir, "env.md"));
    symlinkSync(join(repo, ".env"), join(runDir, "FINAL.diff"));
    symlinkSync(outside, join(runDir, "logs-elsewhere"));
    linkSync(join(repo, ".env"), join(runDir, "hard.md"));

    for (const artifact of ["outside.md", "env.md", "FINAL.diff", "logs-elsewhere/secret.txt", "hard.md"]) {
      for (const tail of [undefined, 5]) {
        const result = await within(10_000, h.call("patchbay_artifact", { run_id: runId, artifact, ...(tail && { tail }) }));
        expect(textOf(result)).not.toContain(OUTSIDE_SECRET);
        expect(textOf(result)).not.toContain(ENV_SECRET);
        expect(codeOf(result)).toBe("pipeline_path_unsafe");
      }
    }
    const diff = await within(10_000, h.call("patchbay_diff", { run_id: runId }));
    expect(textOf(diff)).not.toContain(ENV_SECRET);
    expect(diff.isError).toBe(true);

    const status = await within(10_000, h.ok<{ artifacts: string[] }>("patchbay_status", { run_id: runId }));
    expect(status.artifacts).toContain("PLAN.md");
    for (const planted of ["outside.md", "env.md", "FINAL.diff", "logs-elsewhere", "logs-elsewhere/secret.txt"])
      expect(status.artifacts).not.toContain(planted);
    // The run folder's own files still read.
    expect((await h.ok<{ content: string }>("patchbay_artifact", { run_id: runId, artifact: "PLAN.md" })).content).toContain("# Plan");
  });

  test("a FIFO in the run folder: patchbay_artifact answers at once with a refusal instead of hanging", async () => {
    const { h, runId, runDir } = await plannedRun();
    execFileSync("mkfifo", [join(runDir, "pipe.log")]);
    for (const tail of [undefined, 5]) {
      const result = await within(10_000, h.call("patchbay_artifact", { run_id: runId, artifact: "pipe.log", ...(tail && { tail }) }));
      expect(codeOf(result)).toBe("pipeline_path_unsafe");
    }
    expect((await within(10_000, h.ok<{ artifacts: string[] }>("patchbay_status", { run_id: runId }))).artifacts).not.toContain("pipe.log");
  });

  test("reads are capped: a 41 MiB log is refused whole and only its tail is read; a /dev/zero link is refused", async () => {
    const { h, runId, runDir } = await plannedRun();
    writeFileSync(join(runDir, "big.log"), `${"x".repeat(41 * 1024 * 1024)}\nlast line\n`);
    const whole = await h.call("patchbay_artifact", { run_id: runId, artifact: "big.log" });
    expect(textOf(whole).length).toBeLessThan(10_000);
    expect(codeOf(whole)).toBe("artifact_too_large");
    const tail = await h.ok<{ content: string }>("patchbay_artifact", { run_id: runId, artifact: "big.log", tail: 2 });
    expect(tail.content).toBe("last line\n");
    symlinkSync("/dev/zero", join(runDir, "zero.log"));
    expect(codeOf(await within(10_000, h.call("patchbay_artifact", { run_id: runId, artifact: "zero.log" })))).toBe("pipeline_path_unsafe");
  });

  test("run.json and events.jsonl as symlinks to an outside file: refused, the outside content is not returned", async () => {
    const { h, runId, runDir } = await plannedRun();
    const outside = tempDir("patchbay-outside-");
    writeFileSync(join(outside, "run.json"), `{"run_id":"${runId}","state":"new","task":"${OUTSIDE_SECRET}"}`);
    writeFileSync(join(outside, "events.jsonl"), `{"phase":"plan","action":"start","detail":"${OUTSIDE_SECRET}"}\n`);
    rmSync(join(runDir, "events.jsonl"));
    symlinkSync(join(outside, "events.jsonl"), join(runDir, "events.jsonl"));
    const events = await h.call("patchbay_events", { run_id: runId });
    expect(textOf(events)).not.toContain(OUTSIDE_SECRET);
    expect(events.isError).toBe(true);

    rmSync(join(runDir, "run.json"));
    symlinkSync(join(outside, "run.json"), join(runDir, "run.json"));
    const status = await h.call("patchbay_status", { run_id: runId });
    expect(textOf(status)).not.toContain(OUTSIDE_SECRET);
    expect(codeOf(status)).toBe("pipeline_path_unsafe");
  });
});

describe("a symlinked .ai never leads patchbay's writes outside the repository", () => {
  test("a committed .ai symlink to an outside folder: patchbay_plan writes nothing there and says to remove the link", async () => {
    const outside = tempDir("patchbay-outside-");
    writeFileSync(join(outside, "keep.txt"), "keep\n");
    const repo = makeGitRepo({ "README.md": "hello\n" });
    symlinkSync(outside, join(repo, ".ai"));
    git(repo, "add", ".ai");
    git(repo, "commit", "-qm", "a committed .ai link");
    const before = listing(outside);

    const h = await harnesses.open(repo);
    const result = await h.call("patchbay_plan", { task: "a task", mock: true });
    expect(listing(outside)).toEqual(before);
    expect(codeOf(result)).toBe("pipeline_path_unsafe");
    const error = result._meta?.["patchbay/error"] as { message: string; next: string };
    expect(error.message).toContain(".ai");
    expect(error.next).toContain("remove .ai");
  });

  test("a real .ai whose runs folder is a symlink to an outside folder: nothing is written there", async () => {
    const outside = tempDir("patchbay-outside-");
    const repo = makeGitRepo({ "README.md": "hello\n", ".ai/keep": "" });
    symlinkSync(outside, join(repo, ".ai/runs"));
    const h = await harnesses.open(repo);
    const result = await h.call("patchbay_plan", { task: "a task", mock: true });
    expect(listing(outside)).toEqual([]);
    expect(codeOf(result)).toBe("pipeline_path_unsafe");
    expect(codeOf(await h.call("patchbay_runs", {}))).toBe("pipeline_path_unsafe");
  });

  test("a .ai/worktrees symlink to an outside folder: patchbay_write puts no worktree there and deletes nothing there", async () => {
    const { repo, h, runId } = await plannedRun();
    const outside = tempDir("patchbay-outside-");
    writeFileSync(join(outside, "keep.txt"), "keep\n");
    symlinkSync(outside, join(repo, ".ai/worktrees"));
    const before = listing(outside);
    await h.ok("patchbay_approve", { run_id: runId });
    const result = await h.call("patchbay_write", { run_id: runId, mock: true });
    expect(listing(outside)).toEqual(before);
    expect(codeOf(result)).toBe("pipeline_path_unsafe");
  });

  test("patchbay init with .gitignore linked to an outside file leaves that file as it was", async () => {
    const outside = tempDir("patchbay-outside-");
    writeFileSync(join(outside, "profile"), "export PATH=/usr/bin\n");
    const repo = makeGitRepo({ "README.md": "hello\n" });
    symlinkSync(join(outside, "profile"), join(repo, ".gitignore"));
    const refused = await pipeline.initRepo(repo).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(readFileSync(join(outside, "profile"), "utf8")).toBe("export PATH=/usr/bin\n");
    expect(refused?.message).toContain("symlink");
  });
});

describe("damaged run files", () => {
  test("a corrupt run.json: the error names the file and says to delete or restore it", async () => {
    const { h, runId, runDir } = await plannedRun();
    writeFileSync(join(runDir, "run.json"), '{"run_id": "cut sh');
    const result = await h.call("patchbay_status", { run_id: runId });
    expect(result.isError).toBe(true);
    expect(codeOf(result)).toBe("run_corrupt");
    const error = result._meta?.["patchbay/error"] as { message: string; next: string };
    expect(error.message).toContain(`.ai/runs/${runId}/run.json`);
    expect(error.next).toContain(`delete or restore .ai/runs/${runId}/run.json`);
  });

  test("a bad line in events.jsonl: the other events are returned, and the skipped line is counted", async () => {
    const { h, runId, runDir } = await plannedRun();
    const good = readFileSync(join(runDir, "events.jsonl"), "utf8").split("\n").filter(Boolean);
    expect(good.length).toBeGreaterThanOrEqual(2);
    writeFileSync(join(runDir, "events.jsonl"), `${good[0]}\n{"phase":"plan","act\nnull\n${good.slice(1).join("\n")}\n`);
    const events = await h.ok<{ events: Array<{ phase: string; action: string }>; next: number; skipped_lines: number }>("patchbay_events", { run_id: runId });
    expect(events.events.map((event) => `${event.phase}:${event.action}`)).toEqual(
      good.map((line) => JSON.parse(line) as { phase: string; action: string }).map((event) => `${event.phase}:${event.action}`),
    );
    expect(events.skipped_lines).toBe(2);
    expect(events.next).toBe(good.length + 2);
  });
});
