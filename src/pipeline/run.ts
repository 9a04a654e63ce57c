/**
 * A run: `.ai/runs/<run_id>/` in the repository, with `run.json` (the state machine), an
 * append-only `events.jsonl`, and the artifacts each phase writes. Any host or CLI reads the same
 * folder, so every phase is visible everywhere.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { appendFile, mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { isAbsolute, join, normalize, relative } from "node:path";
import { PatchbayError } from "../errors/index.ts";

export const RUN_STATES = ["new", "planned", "approved", "written", "tested", "reviewed", "fixed", "applied", "failed", "cancelled"] as const;
export type RunState = (typeof RUN_STATES)[number];
/** The phases, and `cancel`: a person ending the run (`patchbay cancel`), recorded like a phase. */
export const PHASES = ["plan", "approve", "write", "test", "review", "fix", "apply", "cancel"] as const;
export type Phase = (typeof PHASES)[number];

/** Which states a phase may start from; the state machine in one table. */
export const PHASE_FROM: Record<Phase, readonly RunState[]> = {
  plan: ["new"],
  approve: ["planned"],
  write: ["approved"],
  test: ["written", "fixed", "tested"],
  review: ["tested"],
  fix: ["tested", "reviewed"],
  apply: ["reviewed"],
  cancel: ["new", "planned", "approved", "written", "tested", "reviewed", "fixed"],
};

export interface PhaseUse {
  provider: string;
  model?: string;
}

export interface RunRecord {
  version: 1;
  run_id: string;
  task: string;
  state: RunState;
  repo: string;
  base_commit: string;
  created_at: string;
  updated_at: string;
  approved_at?: string;
  worktree?: { path: string; branch: string };
  tests?: { status: "passed" | "failed" | "skipped"; results: Array<{ command: string; exit_code: number | null; timed_out: boolean; log: string; duration_ms: number }> };
  review?: { verdict: "approve" | "changes_requested"; findings: string };
  fix_rounds: number;
  /** Paths the patch changes in binary form: allowed, but flagged for the person applying it. */
  binary_files: string[];
  changed_files: string[];
  /** The phase a dead process left half-done; it can be run again. */
  interrupted?: { phase: Phase; at: string };
  /** Why the run failed (terminal), or why the last phase did not succeed (re-runnable). */
  failure?: { phase: Phase; code: string; message: string; terminal: boolean };
  /** The plan's `affected_files` (its fenced JSON block), when the planner gave them. */
  affected_files?: string[];
  /** Files the patch changes outside `affected_files`: flagged, not refused. */
  out_of_scope?: string[];
  /** Who cancelled the run, and during which phase (`cancel` when none was running). */
  cancelled?: { by: string; at: string; phase: Phase };
  phases: Partial<Record<Phase, PhaseUse>>;
  /** The job ids of agent turns run through the server's job runtime. */
  jobs: string[];
}

export interface RunEvent {
  timestamp: string;
  run_id: string;
  phase: Phase;
  action: "start" | "success" | "error" | "interrupted" | "approve_granted" | "apply_granted" | "apply_denied" | "progress" | "cancel_requested" | "cancelled" | "stopped" | "scope_warning";
  status: RunState;
  provider?: string;
  model?: string;
  detail?: string;
  duration_ms?: number;
  exit_code?: number | null;
  usage?: unknown;
  cost_usd?: number;
  job_id?: string;
  artifacts?: string[];
}

export const RUN_ID_PATTERN = /^run_[0-9a-z]{8,12}_[0-9a-f]{6}$/;
export const RUNS_DIR = ".ai/runs";

/** `run_<base36 ms>_<6 hex>`: sorts by creation time and is a safe folder name. */
export function newRunId(now = Date.now()): string {
  return `run_${now.toString(36)}_${randomBytes(3).toString("hex")}`;
}

export function runsDir(repo: string): string {
  return join(repo, RUNS_DIR);
}

export function runDir(repo: string, runId: string): string {
  assertRunId(runId);
  return join(runsDir(repo), runId);
}

export function assertRunId(runId: string): void {
  if (!RUN_ID_PATTERN.test(runId)) {
    throw new PatchbayError("invalid_run_id", `${JSON.stringify(runId)} is not a run id`, { next: "use a run id from `patchbay runs` (run_<time>_<hex>)" });
  }
}

/** Writes a file through a temp file and a rename, so a reader never sees half of it. */
export async function writeAtomic(path: string, content: string): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(3).toString("hex")}.tmp`;
  await writeFile(temp, content);
  await rename(temp, path);
}

export async function createRunFolder(repo: string, runId: string): Promise<string> {
  const dir = runDir(repo, runId);
  if (existsSync(dir)) throw new PatchbayError("run_exists", `run ${runId} already exists`, { next: "choose another run id, or omit it" });
  await mkdir(runsDir(repo), { recursive: true });
  // Runs are local state: ignored by git without touching the repository's own .gitignore.
  if (!existsSync(join(runsDir(repo), ".gitignore"))) await writeFile(join(runsDir(repo), ".gitignore"), "*\n");
  await mkdir(dir);
  return dir;
}

export async function saveRun(record: RunRecord): Promise<void> {
  record.updated_at = new Date().toISOString();
  await writeAtomic(join(runDir(record.repo, record.run_id), "run.json"), `${JSON.stringify(record, null, 2)}\n`);
}

export async function readRun(repo: string, runId: string): Promise<RunRecord> {
  const file = join(runDir(repo, runId), "run.json");
  const text = await readFile(file, "utf8").catch(() => undefined);
  if (text === undefined) throw new PatchbayError("run_not_found", `no run ${runId} in ${repo}`, { next: "list runs with `patchbay runs` (or patchbay_runs)" });
  return JSON.parse(text) as RunRecord;
}

export async function listRunIds(repo: string): Promise<string[]> {
  const names = await readdir(runsDir(repo)).catch(() => [] as string[]);
  return names.filter((name) => RUN_ID_PATTERN.test(name)).sort().reverse();
}

export async function appendRunEvent(record: RunRecord, event: Omit<RunEvent, "timestamp" | "run_id" | "status"> & { status?: RunState }): Promise<RunEvent> {
  const line: RunEvent = { timestamp: new Date().toISOString(), run_id: record.run_id, status: record.state, ...event };
  await appendFile(join(runDir(record.repo, record.run_id), "events.jsonl"), `${JSON.stringify(line)}\n`);
  return line;
}

export async function readRunEvents(repo: string, runId: string, filter: { since?: number; phase?: Phase } = {}): Promise<{ events: RunEvent[]; next: number }> {
  const text = await readFile(join(runDir(repo, runId), "events.jsonl"), "utf8").catch(() => "");
  const all = text.split("\n").filter(Boolean).map((line) => JSON.parse(line) as RunEvent);
  const since = filter.since ?? 0;
  const events = all.slice(since).filter((event) => !filter.phase || event.phase === filter.phase);
  return { events, next: all.length };
}

/**
 * A file of the run folder, by a relative name (`PLAN.md`, `test/1-npm-test.log`); names that are
 * absolute, climb out with `..` or are not in the folder are refused.
 */
export function artifactPath(repo: string, runId: string, name: string): string {
  const dir = runDir(repo, runId);
  const clean = normalize(name);
  if (name === "" || name.includes("\0") || isAbsolute(name) || clean.split(/[\\/]/).includes("..")) {
    throw new PatchbayError("invalid_artifact", `artifact ${JSON.stringify(name)}: expected a name inside the run folder, such as PLAN.md or test/1.log`, { next: "list a run's artifacts with patchbay_status" });
  }
  const path = join(dir, clean);
  if (relative(dir, path).startsWith("..")) throw new PatchbayError("invalid_artifact", `artifact ${JSON.stringify(name)} is outside the run folder`);
  return path;
}

export async function writeArtifact(record: RunRecord, name: string, content: string): Promise<string> {
  const path = artifactPath(record.repo, record.run_id, name);
  await mkdir(join(path, ".."), { recursive: true });
  await writeAtomic(path, content);
  return name;
}

export async function readArtifact(repo: string, runId: string, name: string, tail?: number): Promise<string> {
  const text = await readFile(artifactPath(repo, runId, name), "utf8").catch(() => undefined);
  if (text === undefined) throw new PatchbayError("artifact_not_found", `run ${runId} has no artifact ${name}`, { next: "see the run's artifacts with patchbay_status" });
  if (!tail) return text;
  return text.split("\n").slice(-tail).join("\n");
}

/** The artifacts present, relative names, sorted (run.json and events.jsonl included). */
export async function listArtifacts(repo: string, runId: string): Promise<string[]> {
  const dir = runDir(repo, runId);
  const found: string[] = [];
  const walk = async (sub: string) => {
    for (const entry of await readdir(join(dir, sub), { withFileTypes: true }).catch(() => [])) {
      const name = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(name);
      else if (!entry.name.endsWith(".tmp") && entry.name !== "RUN.lock") found.push(name);
    }
  };
  await walk("");
  return found.sort();
}

/** Refuses a phase the run's state does not allow, saying what would. */
export function assertPhaseAllowed(record: RunRecord, phase: Phase): void {
  if (record.state === "failed" || record.state === "cancelled" || record.state === "applied") {
    throw new PatchbayError("run_finished", `run ${record.run_id} is ${record.state}${record.failure ? ` (${record.failure.message})` : ""}; no phase can run`, { next: "start a new run with patchbay plan" });
  }
  if (!PHASE_FROM[phase].includes(record.state)) {
    const next = nextPhase(record);
    throw new PatchbayError("invalid_state", `run ${record.run_id} is ${record.state}; ${phase} needs it to be ${PHASE_FROM[phase].join(" or ")}`, { next: next ? `run ${next} first` : "see patchbay status", details: { state: record.state, phase } });
  }
}

/** What a person would run next, from the state alone. */
export function nextPhase(record: RunRecord): Phase | undefined {
  switch (record.state) {
    case "planned":
      return "approve";
    case "approved":
      return "write";
    case "written":
    case "fixed":
      return "test";
    case "tested":
      return record.tests?.status === "failed" ? "fix" : "review";
    case "reviewed":
      return record.review?.verdict === "approve" ? "apply" : "fix";
    default:
      return undefined;
  }
}
