/**
 * The conflict bench: 10 isolated workers on a generated 20,000-file repository, each with a few
 * changed files (two pairs on the same files: one pair conflicting, one merging cleanly), and the
 * base moved once. Times the conflict picture (teamConflicts: a snapshot commit per worktree and
 * git merge-tree for the base and for each overlapping pair) cold (first look after a start, or
 * after every worker's turn ended) and warm (workers between turns), and codex_worker_list, whose
 * team report carries it, in-process through the real registry. Target: the team report under 1 s.
 *
 *   bun scripts/bench/conflicts.ts                 # 20,000 files, 10 workers, 11 runs
 *   bun scripts/bench/conflicts.ts --workers 20 --runs 21
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createRecordStore } from "../../src/state/index.ts";
import { teamConflicts } from "../../src/workers/conflicts.ts";
import type { WorkerRecord } from "../../src/workers/record.ts";
import { WORKER_TOOLS } from "../../src/workers/tools/index.ts";
import { describeMachine } from "./machine.ts";
import { removeTempDirs, tempDir } from "./processes.ts";
import { median, percentile } from "./stats.ts";
import { fileToolCaller } from "./workspace/caller.ts";
import { generateRepo } from "./workspace/fixture.ts";

const { values } = parseArgs({
  options: { runs: { type: "string", default: "11" }, files: { type: "string", default: "20000" }, workers: { type: "string", default: "10" } },
});
const runs = Number(values.runs);
const files = Number(values.files);
const workerCount = Number(values.workers);
if (!Number.isInteger(runs) || runs < 3 || runs > 500) throw new Error(`--runs must be a whole number from 3 to 500, not ${values.runs}`);
if (!Number.isInteger(files) || files < 1000 || files > 200_000) throw new Error(`--files must be a whole number from 1000 to 200000, not ${values.files}`);
if (!Number.isInteger(workerCount) || workerCount < 4 || workerCount > 50 || files / workerCount < 100)
  throw new Error(`--workers must be a whole number from 4 to 50 with at least 100 files each, not ${values.workers}`);

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@example.com", ...args], { cwd, stdio: "pipe", encoding: "utf8" }).trim();

/** The path of generated file `n` (fixture.ts's layout). */
const fileOf = (n: number) => `pkg${String(Math.floor(n / 100)).padStart(4, "0")}/file${String(n % 100).padStart(3, "0")}.ts`;

/** Worker i changes 4 files of its own and adds one; workers 0 and 1 rewrite the same line, 2 and 3 append to the same file. */
function change(worktree: string, index: number): void {
  for (let k = 0; k < 4; k++)
    appendFileSync(join(worktree, fileOf((Math.floor(files / workerCount) * index + 17 * k + 5) % files)), `// worker ${index} was here\n`);
  writeFileSync(join(worktree, `new-${index}.ts`), `export const worker${index} = ${index};\n`);
  if (index === 0 || index === 1) writeFileSync(join(worktree, fileOf(7)), `// rewritten by worker ${index}\n`);
  if (index === 2) appendFileSync(join(worktree, fileOf(9)), "// worker 2 at the end\n");
  if (index === 3) writeFileSync(join(worktree, fileOf(9)), `// worker 3 at the top\n${git(worktree, "show", `HEAD:${fileOf(9)}`)}\n`);
}

async function time<T>(work: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const result = await work();
  return [performance.now() - started, result];
}

async function main(): Promise<void> {
  const root = tempDir("patchbay-bench-conflicts-");
  const repo = join(root, "repo");
  execFileSync("mkdir", ["-p", repo]);
  process.stderr.write(`generating ${files} files and ${workerCount} worktrees…\n`);
  generateRepo(repo, files);
  const base = git(repo, "rev-parse", "HEAD");
  const home = join(root, "home");
  const store = await createRecordStore({ home });
  const now = new Date().toISOString();
  const workers: WorkerRecord[] = [];
  for (let index = 0; index < workerCount; index++) {
    const path = join(root, `wt-${index}`);
    git(repo, "worktree", "add", "--quiet", "-b", `bench/w${index}`, path, base);
    change(path, index);
    const id = `wrk_${String(index).padStart(20, "0")}`;
    const record: WorkerRecord = {
      id,
      name: `w${index}`,
      repo,
      agent: "mock",
      workspace_mode: "isolated_write",
      worktree: { path, branch: `bench/w${index}`, base_commit: base },
      owner: "bench",
      // Between turns, as after an agent's turn ended: the state in which snapshots are reused.
      turns: [{ job_id: `job_bench_${index}`, kind: "start", at: now, by: "bench" }],
      last_state: "succeeded",
      artifacts: [],
      takeovers: [],
      created_at: now,
      updated_at: now,
    };
    await store.put("worker", id, record);
    workers.push(record);
  }
  // The base moves once, touching the line workers 0 and 1 rewrite, so the base check has work to do.
  writeFileSync(join(repo, fileOf(7)), "// rewritten on the base\n");
  git(repo, "commit", "-q", "-am", "base moves");

  await store.close();
  const tools = await fileToolCaller(repo, home, WORKER_TOOLS);

  const [cold, picture] = await time(() => teamConflicts(repo, workers));
  const conflicting = picture.workers.filter((entry) => entry.peers.some((peer) => peer.conflicting_files.length)).map((entry) => entry.worker);
  const warm: number[] = [];
  for (let run = 0; run < runs; run++) warm.push((await time(() => teamConflicts(repo, workers)))[0]);
  const listed: number[] = [];
  let report = "";
  for (let run = 0; run < runs; run++) {
    const [ms, result] = await time(() => tools.call("codex_worker_list", {}));
    listed.push(ms);
    report = (result as { team_report: string }).team_report;
  }
  // One running worker is looked at again on every call: the report's usual case while a team works.
  const running = { ...workers[4]!, last_state: "running" as const };
  const oneRunning: number[] = [];
  for (let run = 0; run < runs; run++) oneRunning.push((await time(() => teamConflicts(repo, [...workers.slice(0, 4), running, ...workers.slice(5)])))[0]);
  await tools.close();

  const machine = describeMachine();
  const row = (what: string, samples: number[]) => `| ${what} | ${median(samples).toFixed(0)} ms | ${percentile(samples, 95).toFixed(0)} ms |`;
  const lines = [
    `Conflict picture of ${workerCount} workers on a ${files.toLocaleString("en")}-file repository (${machine.cpuModel}, ${machine.cpus} CPUs, Bun ${machine.bun}; ${runs} runs):`,
    "",
    "| measure | median | p95 |",
    "|---|---|---|",
    `| teamConflicts, first (cold) | ${cold.toFixed(0)} ms | |`,
    row("teamConflicts, again (warm)", warm),
    row("teamConflicts, one worker running", oneRunning),
    row("codex_worker_list (team report)", listed),
    "",
    `Conflicting workers found: ${conflicting.join(", ") || "none"} (expected w0, w1).`,
    `Team report under 1 s: ${percentile(listed, 95) < 1000 ? "yes" : "NO"} (p95 ${percentile(listed, 95).toFixed(0)} ms).`,
  ];
  process.stdout.write(`${lines.join("\n")}\n\n${report.split("\n").slice(-8).join("\n")}\n`);
}

try {
  await main();
} finally {
  removeTempDirs();
}
