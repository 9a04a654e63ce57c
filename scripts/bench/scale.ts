/**
 * The scale bench (issue 16): how list and status calls grow with what the state holds, and how
 * the file and messaging tools grow with the repository and the namespace. In-process through the
 * real registry (scripts/bench/scale/host.ts). A curve per call, not one point:
 *
 * - 10, 100 and 1,000 jobs and workers in state: codex_get_result of one job, the job list that
 *   `patchbay job list` reads (its default 50 newest), codex_worker_list, codex_worker_inspect
 *   (status), codex_list_sessions, and a job itself (its record and index writes and the retention
 *   sweep at its end). Jobs are real turns of an agent that exits at once, given an
 *   agent session three at a time (the agent has none of its own); workers beyond the first (a
 *   real mock-agent worker) are copies of its record under new ids and names, stopped (history:
 *   what a team leaves behind), with a row that lists them all too (include_stopped).
 * - repositories of 1,000, 10,000 and 100,000 files: codex_repo_tree (default call) and
 *   codex_search_repo (a literal in every 50th file, max_results 100).
 * - 100, 1,000 and 10,000 messages in one namespace: recall (newest 10) and inbox (100 pending).
 *
 *   bun scripts/bench/scale.ts                  # prints the tables (a few minutes: it writes 111,000 files)
 *   bun scripts/bench/scale.ts --quick          # smaller top levels (1,000 jobs stay; 20,000 files; 2,000 messages)
 *   bun scripts/bench/scale.ts --write          # also rewrites the section in docs/benchmarks.md
 *   bun scripts/bench/scale.ts --state-only     # only the jobs and workers table (prints it)
 *   bun scripts/bench/scale.ts --messages-only  # only the messages table (prints it)
 */
import { execFileSync } from "node:child_process";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { describeMachine } from "./machine.ts";
import { createIdentities, parseAddress } from "../../src/messaging/index.ts";
import { removeTempDirs, tempDir } from "./processes.ts";
import { scaleHost, type ScaleHost } from "./scale/host.ts";
import { publishSection } from "./sections.ts";
import { median } from "./stats.ts";
import { generateRepo, RARE_LITERAL } from "./workspace/fixture.ts";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    write: { type: "boolean", default: false },
    "state-only": { type: "boolean", default: false },
    "messages-only": { type: "boolean", default: false },
  },
});
const STATE_LEVELS = [10, 100, 1000];
const FILE_LEVELS = values.quick ? [1000, 5000, 20_000] : [1000, 10_000, 100_000];
const MESSAGE_LEVELS = values.quick ? [100, 500, 2000] : [100, 1000, 10_000];
const RUNS = 21;

interface Curve {
  measure: string;
  ms: number[];
}

async function medianMs(fn: () => Promise<unknown>, runs = RUNS): Promise<number> {
  for (let i = 0; i < 3; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const began = performance.now();
    await fn();
    samples.push(performance.now() - began);
  }
  return median(samples);
}

function smallRepo(): string {
  const repo = tempDir("patchbay-bench-scale-repo-");
  generateRepo(repo, 100);
  return repo;
}

async function runNoopJob(host: ScaleHost, repo: string): Promise<string> {
  const job = await host.app.jobs.submit({ agent: "noop", prompt: "exit at once", repo, kind: "plan", access: "read_only" });
  const done = await host.app.jobs.wait(job.id, 30_000);
  if (done.state !== "succeeded") throw new Error(`bench job ${done.id} ended ${done.state}`);
  return job.id;
}

async function stateCurves(): Promise<Curve[]> {
  const repo = smallRepo();
  const host = await scaleHost(tempDir("patchbay-bench-scale-home-"), repo);
  try {
    const seed = await host.call("codex_worker_start", { name: "seed", brief: "hello", agent: "mock", workspace_mode: "read_only" });
    const seedId = seed.worker_id as string;
    await host.call("codex_worker_inspect", { worker: "seed", view: "status", wait_seconds: 30 });
    const seedRecord = (await host.store.get<Record<string, unknown>>("worker", seedId))!.data;
    const firstJob = await runNoopJob(host, repo);
    let jobs = 1;
    let workers = 1;
    const curves: Curve[] = [
      { measure: "codex_get_result (one job)", ms: [] },
      { measure: "job list (`patchbay job list`: the newest 50)", ms: [] },
      { measure: "codex_worker_list (the seed; the others stopped)", ms: [] },
      { measure: "codex_worker_list include_stopped (every worker)", ms: [] },
      { measure: "codex_worker_inspect, status", ms: [] },
      { measure: "codex_worker_list active_only (none: the others in scope counted)", ms: [] },
      { measure: "codex_list_sessions (an agent session per 3 jobs; the newest 20)", ms: [] },
      { measure: "a read-only job, agent exits at once (submit to end)", ms: [] },
    ];
    for (const level of STATE_LEVELS) {
      process.stderr.write(`${level} jobs and workers…\n`);
      for (; jobs < level; jobs++) {
        // `noop` has no agent session: each job is given one, three jobs to a session, as a reply continues one.
        const id = await runNoopJob(host, repo);
        await host.store.update<Record<string, unknown>>("job", id, (current) => ({ ...current!.data, session_id: `bench-session-${Math.floor(jobs / 3)}` }));
      }
      for (; workers < level; workers++) {
        const id = `wrk_bench${String(workers).padStart(11, "0")}`;
        await host.store.put("worker", id, { ...seedRecord, id, name: `bench-${workers}`, stopped_at: new Date().toISOString() });
      }
      curves[0]!.ms.push(await medianMs(() => host.call("codex_get_result", { job_id: firstJob })));
      curves[1]!.ms.push(await medianMs(() => host.app.jobs.list({ limit: 50 })));
      curves[2]!.ms.push(await medianMs(() => host.call("codex_worker_list")));
      curves[3]!.ms.push(await medianMs(() => host.call("codex_worker_list", { include_stopped: true })));
      curves[4]!.ms.push(await medianMs(() => host.call("codex_worker_inspect", { worker: "seed", view: "status" })));
      curves[5]!.ms.push(await medianMs(() => host.call("codex_worker_list", { active_only: true })));
      curves[6]!.ms.push(await medianMs(() => host.call("codex_list_sessions")));
      // Each timed job stays in the history: counted, so the next level holds what it says.
      curves[7]!.ms.push(await medianMs(() => runNoopJob(host, repo)));
      jobs += RUNS + 3;
    }
    return curves;
  } finally {
    await host.close();
  }
}

async function repositoryCurves(): Promise<Curve[]> {
  const curves: Curve[] = [
    { measure: "codex_repo_tree, default call (500 entries, depth 4)", ms: [] },
    { measure: `codex_search_repo, literal \`${RARE_LITERAL}\` (max_results 100)`, ms: [] },
  ];
  for (const files of FILE_LEVELS) {
    process.stderr.write(`a repository of ${files} files…\n`);
    const repo = tempDir("patchbay-bench-scale-files-");
    generateRepo(repo, files);
    const host = await scaleHost(tempDir("patchbay-bench-scale-home-"), repo);
    try {
      curves[0]!.ms.push(await medianMs(() => host.call("codex_repo_tree"), 11));
      curves[1]!.ms.push(await medianMs(() => host.call("codex_search_repo", { query: RARE_LITERAL }), 11));
    } finally {
      await host.close();
    }
  }
  return curves;
}

async function messagingCurves(): Promise<Curve[]> {
  const host = await scaleHost(tempDir("patchbay-bench-scale-home-"), smallRepo());
  const curves: Curve[] = [
    { measure: "recall (newest 10)", ms: [] },
    { measure: "inbox (100 pending, marked read)", ms: [] },
  ];
  try {
    const identities = createIdentities(host.store);
    for (const agent of ["alice@bench", "bob@bench"]) await identities.addToken(parseAddress(agent));
    let sent = 0;
    const send = () => host.call("send_message", { to: "bob", content: `message ${sent++}`, as: "alice@bench" });
    for (const level of MESSAGE_LEVELS) {
      process.stderr.write(`${level} messages…\n`);
      while (sent < level) await send();
      curves[0]!.ms.push(await medianMs(() => host.call("recall", { limit: 10, as: "bob@bench" })));
      // Each inbox marks its 100 read: send 100 fresh ones before each, untimed, so every sample reads 100.
      const samples: number[] = [];
      for (let run = 0; run < 11; run++) {
        for (let i = 0; i < 100; i++) await send();
        const began = performance.now();
        await host.call("inbox", { limit: 100, as: "bob@bench" });
        samples.push(performance.now() - began);
      }
      curves[1]!.ms.push(median(samples));
    }
    return curves;
  } finally {
    await host.close();
  }
}

function table(title: string, levels: number[], curves: Curve[]): string {
  const head = `| ${title} | ${levels.map((level) => level.toLocaleString("en")).join(" | ")} | last ÷ first |`;
  const rule = `|---|${levels.map(() => "--:").join("|")}|--:|`;
  const rows = curves.map(
    (curve) => `| ${curve.measure} | ${curve.ms.map((ms) => `${ms.toFixed(2)} ms`).join(" | ")} | ${(curve.ms.at(-1)! / curve.ms[0]!).toFixed(1)}× |`,
  );
  return [head, rule, ...rows].join("\n");
}

const began = performance.now();
// A shared box's load moves absolute figures: the section says what it was.
const loadAtStart = loadavg()[0]!;
try {
  if (values["messages-only"]) process.stdout.write(`${table("Messages in the namespace", MESSAGE_LEVELS, await messagingCurves())}\n`);
  else if (values["state-only"]) process.stdout.write(`${table("Jobs and workers in state", STATE_LEVELS, await stateCurves())}\n`);
  else {
    const state = await stateCurves();
    const repositories = await repositoryCurves();
    const messages = await messagingCurves();
    const machine = describeMachine();
    const gitVersion = execFileSync("git", ["--version"], { encoding: "utf8" }).trim();
    const section = [
      `Machine: ${machine.cpus} CPUs (nproc), ${machine.cpuModel}, ${machine.kernel}, Bun ${machine.bun}, ${gitVersion}, fs state driver.`,
      `Medians of ${RUNS} calls (11 for the repository and inbox rows) after 3 warm-up calls, in-process through the registry. ` +
        `The whole run took ${Math.round((performance.now() - began) / 1000)} s; ` +
        `the 1-minute load average was ${loadAtStart.toFixed(1)} at its start and ${loadavg()[0]!.toFixed(1)} at its end.`,
      "",
      table("Jobs and workers in state", STATE_LEVELS, state),
      "",
      table("Files in the repository", FILE_LEVELS, repositories),
      "",
      table("Messages in the namespace", MESSAGE_LEVELS, messages),
    ].join("\n");
    publishSection(section, { marker: "bench-scale", script: "scripts/bench/scale.ts", write: values.write });
  }
} finally {
  removeTempDirs();
}
