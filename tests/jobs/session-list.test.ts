/**
 * Issue #16, scale: codex_list_sessions answers from the job index (each job's agent session,
 * agent and repository) and reads only the jobs of the sessions it shows, so a long job history
 * is not read on every call. Its answer is what grouping every job the caller can see gives
 * (the reference below), across agents sharing a session id, repositories outside the roots,
 * the repo_path, agent, query and max_sessions filters, a job moved to another session, a removed
 * job, and one whose record a crash lost; and in a home written before jobs had an index (it is
 * built from the records once). A damaged record of a job it does not show no longer fails the
 * list (it used to read them all).
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, readdirSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { JobRecord } from "../../src/jobs/record.ts";
import { SESSION_LIST_TOOLS } from "../../src/jobs/tools/session-list.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs } from "../support/patchbay.ts";
import { harnessSet, type ToolHarness } from "../support/tools.ts";
import { endedJob } from "./support.ts";
import { seededRandom } from "../state/fixtures/index-ops.ts";

const harnesses = harnessSet(SESSION_LIST_TOOLS, { mode: "standard" });
afterAll(async () => {
  await harnesses.closeAll();
  removeTempDirs();
});

interface Row {
  session_id: string;
  agent: string;
  repo: string;
  jobs: number;
  last_job_id: string;
  last_state: string;
  last_kind: string;
  title?: string;
  first_at: string;
  last_at: string;
}

interface Listing {
  sessions: Row[];
  total: number;
  truncated: boolean;
}

/** What the list must say: every stored job the caller can see, grouped by agent and session, newest first. */
function expected(jobs: readonly JobRecord[], roots: readonly string[], args: { repo?: string; agent?: string; query?: string; max?: number }): Listing {
  const rows = new Map<string, Row>();
  for (const job of [...jobs].sort((a, b) => (a.id < b.id ? 1 : -1))) {
    if (!job.session_id || (args.repo && job.repo !== args.repo) || (args.agent && job.agent !== args.agent)) continue;
    if (!roots.some((root) => job.repo === root || job.repo.startsWith(`${root}/`))) continue;
    const key = `${job.agent}\0${job.session_id}`;
    const seen = rows.get(key);
    if (seen) {
      seen.jobs++;
      seen.first_at = job.created_at;
      continue;
    }
    rows.set(key, {
      session_id: job.session_id,
      agent: job.agent,
      repo: job.repo,
      jobs: 1,
      last_job_id: job.id,
      last_state: job.state,
      last_kind: job.kind,
      ...(job.title && { title: job.title }),
      first_at: job.created_at,
      last_at: job.finished_at ?? job.created_at,
    });
  }
  const query = args.query?.toLowerCase();
  const matching = [...rows.values()].filter(
    (row) => !query || [row.session_id, row.agent, row.title ?? "", row.repo].some((text) => text.toLowerCase().includes(query)),
  );
  const shown = matching.slice(0, args.max ?? 20);
  return { sessions: shown, total: matching.length, truncated: matching.length > shown.length };
}

/** Random jobs in two allowed repositories (one below the other) and one outside, a fifth of them without a session. */
function randomJobs(repos: readonly string[], count: number): JobRecord[] {
  const random = seededRandom(16);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const start = Date.now() - count * 1000;
  return Array.from({ length: count }, (_, i) => {
    // Drawn in this order, so the seed gives the history the checks below were written against.
    const kind = pick(["run", "plan", "review"] as const);
    const state = pick(["succeeded", "failed", "cancelled"] as const);
    const agent = pick(["codex", "claude", "gemini"]);
    const repo = pick(repos);
    return endedJob(repo, start + i * 1000, {
      kind,
      state,
      agent,
      cwd: repos[0]!,
      ...(random() < 0.8 && { session_id: `thread-${String(Math.floor(random() * 30)).padStart(2, "0")}` }),
      ...(random() < 0.5 && { title: pick(["fix the parser", "Parser cleanup", "docs", "release notes"]) }),
    });
  });
}

const CALLS: Array<{ repo?: string; agent?: string; query?: string; max?: number }> = [
  {},
  { max: 5 },
  { max: 100 },
  { agent: "claude" },
  { query: "parser" },
  { query: "PARSER", max: 3 },
  { query: "thread-1" },
  { query: "gemini", max: 2 },
];

async function listing(h: ToolHarness, call: (typeof CALLS)[number], repos: { inner: string }): Promise<Listing> {
  const args = {
    ...(call.repo && { repo_path: call.repo === repos.inner ? "inner" : call.repo }),
    ...(call.agent && { agent: call.agent }),
    ...(call.query && { query: call.query }),
    ...(call.max && { max_sessions: call.max }),
  };
  const listed = await h.ok<Listing & { sessions: Array<Row & { worktree_branch?: string }> }>("codex_list_sessions", args);
  return { sessions: listed.sessions, total: listed.total, truncated: listed.truncated };
}

test("the sessions listed are those every job the caller can see gives, through changes, removals and a lost record", async () => {
  const repo = realpathSync(makeGitRepo({ "a.txt": "a\n" }));
  const inner = join(repo, "inner");
  mkdirSync(inner);
  const outside = realpathSync(makeGitRepo({ "b.txt": "b\n" }));
  const h = await harnesses.open(repo);
  const jobs = randomJobs([repo, inner, outside], 150);
  for (const job of jobs) await h.host.store.put("job", job.id, job);
  const check = async (held: readonly JobRecord[]) => {
    for (const call of [...CALLS, { repo: inner }, { repo: inner, query: "docs" }])
      expect({ call, ...(await listing(h, call, { inner })) }).toEqual({ call, ...expected(held, [repo], call) });
  };
  await check(jobs);

  // A job moved to another session, one removed, one whose record a crash lost (its index entries stay).
  const moved = jobs.find((job) => job.session_id && job.repo !== outside)!;
  const removed = jobs.find((job) => job.session_id && job.repo === repo && job !== moved)!;
  const lost = jobs.findLast((job) => job.session_id && job.repo === repo && job !== moved && job !== removed)!;
  // The lost job is the newest of a session that keeps an older one: the index still says it is.
  const sameSession = (job: JobRecord) => job.agent === lost.agent && job.session_id === lost.session_id && job.repo !== outside;
  expect(jobs.filter((job) => sameSession(job) && job.id > lost.id)).toEqual([]);
  expect(jobs.filter((job) => sameSession(job) && job !== moved && job !== removed && job.id < lost.id).length).toBeGreaterThan(0);
  await h.host.store.update<JobRecord>("job", moved.id, (current) => ({ ...current!.data, session_id: "thread-moved" }));
  await h.host.store.remove("job", removed.id);
  const stateDir = join(h.host.home, "state");
  const [lostFile] = readdirSync(stateDir, { recursive: true, encoding: "utf8" }).filter((path) => path.endsWith(lost.id));
  rmSync(join(stateDir, lostFile!));
  const held = jobs.filter((job) => job !== removed && job !== lost).map((job) => (job === moved ? { ...job, session_id: "thread-moved" } : job));
  // Every session shown (max_sessions 100), so what the lost record leaves in the index is read and dropped, not counted,
  // and the session it was the newest job of is listed where its newest job still there puts it.
  expect(await listing(h, { max: 100 }, { inner })).toEqual(expected(held, [repo], { max: 100 }));
  await check(held);

  // A home from before the job index: the records alone, the index built from them at the first use.
  rmSync(join(stateDir, "record-index", "job"));
  await check(held);
  expect(readdirSync(join(stateDir, "record-index"))).toContain("job");
});

test("a damaged record of a job whose session is not shown does not fail the list", async () => {
  const repo = realpathSync(makeGitRepo({ "a.txt": "a\n" }));
  const h = await harnesses.open(repo);
  const jobs = randomJobs([repo], 40).map((job, at) => ({ ...job, session_id: `thread-${String(at).padStart(2, "0")}` }));
  for (const job of jobs) await h.host.store.put("job", job.id, job);
  const stateDir = join(h.host.home, "state");
  const [oldestFile] = readdirSync(stateDir, { recursive: true, encoding: "utf8" }).filter((path) => path.endsWith(jobs[0]!.id));
  writeFileSync(join(stateDir, oldestFile!), "{ not json");
  const listed = await listing(h, { max: 5 }, { inner: "" });
  expect(listed.sessions.map((row) => row.session_id)).toEqual(["thread-39", "thread-38", "thread-37", "thread-36", "thread-35"]);
  expect(listed.total).toBe(40);
});
