/**
 * A run: `.ai/runs/<run_id>/` in the repository, with `run.json` (the state machine), an
 * append-only `events.jsonl`, and the artifacts each phase writes. Any host or CLI reads the same
 * folder, so every phase is visible everywhere.
 */
import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { isAbsolute, join, normalize, relative } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { isTempName } from "../runtime/index.ts";
import { isInside } from "../workspace/index.ts";
import { aiDirectory, appendAiFile, listAiDirectory, readAiFile, removeAiPath, writeAiFile } from "./ai-files.ts";

export const RUN_STATES = ["new", "planned", "approved", "written", "tested", "reviewed", "fixed", "applied", "failed", "cancelled"] as const;
export type RunState = (typeof RUN_STATES)[number];
/** The phases, and `cancel`: a person ending the run (`patchbay cancel`), recorded like a phase. */
export const PHASES = ["plan", "approve", "write", "test", "review", "fix", "apply", "cancel"] as const;
export type Phase = (typeof PHASES)[number];

/**
 * Which states a phase may start from; the state machine in one table (next-step.ts says which
 * one to run). plan from `new` runs the planner again after it failed or was interrupted; test
 * from `reviewed` tests the same patch again (a test command added, a flaky test) and keeps the review.
 */
export const PHASE_FROM: Record<Phase, readonly RunState[]> = {
  plan: ["new"],
  approve: ["planned"],
  write: ["approved"],
  test: ["written", "fixed", "tested", "reviewed"],
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
  tests?: {
    status: "passed" | "failed" | "skipped";
    results: Array<{ command: string; exit_code: number | null; timed_out: boolean; log: string; duration_ms: number }>;
  };
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
  action:
    | "start"
    | "success"
    | "error"
    | "interrupted"
    | "approve_granted"
    | "apply_granted"
    | "apply_denied"
    | "progress"
    | "cancel_requested"
    | "cancelled"
    | "stopped"
    | "scope_warning";
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

/** Caps on what is read back from a run folder: small state files, the events log, artifacts (FINAL.diff may be 32 MiB). */
const MAX_STATE_BYTES = 1024 * 1024;
const MAX_EVENTS_BYTES = 16 * 1024 * 1024;
const MAX_ARTIFACT_BYTES = 40 * 1024 * 1024;

/** A file of the run folder by its name there (`run.json`, `CANCEL`), relative to the repository. */
export function runFile(runId: string, name: string): string {
  assertRunId(runId);
  return `${RUNS_DIR}/${runId}/${name}`;
}

/** Writes a small file of the run folder atomically (a reader never sees half of it). */
export function writeRunFile(record: Pick<RunRecord, "repo" | "run_id">, name: string, content: string): Promise<void> {
  return writeAiFile(record.repo, runFile(record.run_id, name), content);
}

/** A small file of the run folder (`RUN.lock`, `CANCEL`), or `undefined` when it does not exist. */
export async function readRunFile(record: Pick<RunRecord, "repo" | "run_id">, name: string): Promise<string | undefined> {
  const file = await readAiFile(record.repo, runFile(record.run_id, name), { maxBytes: MAX_STATE_BYTES });
  return file?.text;
}

/** Removes a file of the run folder, if it is there. */
export function removeRunFile(record: Pick<RunRecord, "repo" | "run_id">, name: string): Promise<void> {
  return removeAiPath(record.repo, runFile(record.run_id, name));
}

/** Removes the whole run folder (a symlink in its place is removed, never followed). */
export function removeRunFolder(repo: string, runId: string): Promise<void> {
  assertRunId(runId);
  return removeAiPath(repo, `${RUNS_DIR}/${runId}`);
}

export async function createRunFolder(repo: string, runId: string): Promise<string> {
  const dir = runDir(repo, runId);
  const runs = (await aiDirectory(repo, RUNS_DIR, { create: true }))!;
  // Runs are local state: ignored by git without touching the repository's own .gitignore.
  if (!(await listAiDirectory(repo, RUNS_DIR)).some((entry) => entry.name === ".gitignore")) await writeAiFile(repo, `${RUNS_DIR}/.gitignore`, "*\n");
  await mkdir(join(runs, runId)).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "EEXIST") throw new PatchbayError("run_exists", `run ${runId} already exists`, { next: "choose another run id, or omit it" });
    throw error;
  });
  return dir;
}

export async function saveRun(record: RunRecord): Promise<void> {
  record.updated_at = new Date().toISOString();
  await writeRunFile(record, "run.json", `${JSON.stringify(record, null, 2)}\n`);
}

function corruptRun(repo: string, runId: string, why: string): PatchbayError {
  const path = runFile(runId, "run.json");
  return new PatchbayError("run_corrupt", `${path} in ${repo} ${why}`, {
    next: `delete or restore ${path} (or remove the folder ${RUNS_DIR}/${runId})`,
    details: { path },
  });
}

export async function readRun(repo: string, runId: string): Promise<RunRecord> {
  const file = await readAiFile(repo, runFile(runId, "run.json"), { maxBytes: MAX_STATE_BYTES });
  if (file === undefined) throw new PatchbayError("run_not_found", `no run ${runId} in ${repo}`, { next: "list runs with `patchbay runs` (or patchbay_runs)" });
  if (file.truncated) throw corruptRun(repo, runId, `is over ${MAX_STATE_BYTES} bytes`);
  let record: RunRecord;
  try {
    record = JSON.parse(file.text) as RunRecord;
  } catch (error) {
    throw corruptRun(repo, runId, `is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof record !== "object" || record === null || record.run_id !== runId || !RUN_STATES.includes(record.state))
    throw corruptRun(repo, runId, `is not the record of run ${runId}`);
  return record;
}

/**
 * The repository's run ids, newest first. A generated id carries its creation time; a chosen one
 * (`plan --run-id run_quickstart_000001`) does not, so its record says when it was created.
 */
export async function listRunIds(repo: string): Promise<string[]> {
  const entries = await listAiDirectory(repo, RUNS_DIR);
  const ids = entries.filter((entry) => entry.isDirectory() && RUN_ID_PATTERN.test(entry.name)).map((entry) => entry.name);
  const latest = Date.now() + 86_400_000;
  const created = await Promise.all(
    ids.map(async (id) => {
      const encoded = Number.parseInt(id.split("_")[1]!, 36);
      if (encoded <= latest) return encoded;
      const chosen = await readRun(repo, id).then(
        (record) => Date.parse(record.created_at),
        () => Number.NaN,
      );
      return Number.isNaN(chosen) ? 0 : chosen;
    }),
  );
  return ids
    .map((id, index) => ({ id, at: created[index]! }))
    .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1))
    .map((entry) => entry.id);
}

export async function appendRunEvent(record: RunRecord, event: Omit<RunEvent, "timestamp" | "run_id" | "status"> & { status?: RunState }): Promise<RunEvent> {
  const line: RunEvent = { timestamp: new Date().toISOString(), run_id: record.run_id, status: record.state, ...event };
  await appendAiFile(record.repo, runFile(record.run_id, "events.jsonl"), `${JSON.stringify(line)}\n`);
  return line;
}

function parseEvent(line: string): RunEvent | undefined {
  try {
    const event = JSON.parse(line) as RunEvent;
    return typeof event === "object" && event !== null && !Array.isArray(event) ? event : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The run's events from index `since` (a line of events.jsonl; `next` continues). A line that is
 * not an event (a crash cut it short, someone edited the file) is skipped and counted.
 */
export async function readRunEvents(
  repo: string,
  runId: string,
  filter: { since?: number; phase?: Phase } = {},
): Promise<{ events: RunEvent[]; next: number; skipped_lines: number }> {
  const path = runFile(runId, "events.jsonl");
  const file = await readAiFile(repo, path, { maxBytes: MAX_EVENTS_BYTES });
  if (file?.truncated)
    throw new PatchbayError("events_too_large", `${path} in ${repo} is over ${MAX_EVENTS_BYTES} bytes`, {
      next: `read it with a text tool, or end the run and remove its folder: \`patchbay cancel ${runId}\`, then \`patchbay cleanup ${runId} --older-than-days 0\``,
    });
  // No events yet is an answer only for a run that exists.
  if (file === undefined) await readRun(repo, runId);
  const lines = (file?.text ?? "").split("\n").filter(Boolean);
  const parsed = lines.slice(filter.since ?? 0).map(parseEvent);
  const events = parsed.filter((event): event is RunEvent => event !== undefined && (!filter.phase || event.phase === filter.phase));
  return { events, next: lines.length, skipped_lines: parsed.filter((event) => event === undefined).length };
}

/**
 * A file of the run folder, by a relative name (`PLAN.md`, `test/1-npm-test.log`); names that are
 * absolute, climb out with `..` or are not in the folder are refused.
 */
export function artifactPath(repo: string, runId: string, name: string): string {
  const dir = runDir(repo, runId);
  const clean = normalize(name);
  if (name === "" || name.includes("\0") || isAbsolute(name) || clean.split(/[\\/]/).includes("..")) {
    throw new PatchbayError("invalid_artifact", `artifact ${JSON.stringify(name)}: expected a name inside the run folder, such as PLAN.md or test/1.log`, {
      next: "list a run's artifacts with patchbay_status",
    });
  }
  const path = join(dir, clean);
  if (!isInside(dir, path)) throw new PatchbayError("invalid_artifact", `artifact ${JSON.stringify(name)} is outside the run folder`);
  return path;
}

/** The artifact's path relative to the repository, its name checked by artifactPath. */
function artifactFile(repo: string, runId: string, name: string): string {
  return relative(repo, artifactPath(repo, runId, name));
}

export async function writeArtifact(record: RunRecord, name: string, content: string): Promise<string> {
  await writeAiFile(record.repo, artifactFile(record.repo, record.run_id, name), content);
  return name;
}

/**
 * An artifact's text, or its last `tail` lines. Symlinks, FIFOs and devices in the run folder
 * are refused, never followed; an artifact over the cap is refused unless only its tail is asked.
 */
export async function readArtifact(repo: string, runId: string, name: string, tail?: number): Promise<string> {
  const file = await readAiFile(repo, artifactFile(repo, runId, name), { maxBytes: MAX_ARTIFACT_BYTES, fromEnd: Boolean(tail) });
  if (file === undefined)
    throw new PatchbayError("artifact_not_found", `run ${runId} has no artifact ${name}`, { next: "see the run's artifacts with patchbay_status" });
  if (!tail) {
    if (file.truncated)
      throw new PatchbayError("artifact_too_large", `artifact ${name} of run ${runId} is ${file.size} bytes, over the ${MAX_ARTIFACT_BYTES}-byte cap`, {
        next: "read its last lines with tail",
      });
    return file.text;
  }
  // From the end, the first line read may be cut: it is not one of the last lines.
  const lines = file.text.split("\n");
  return (file.truncated ? lines.slice(1) : lines).slice(-tail).join("\n");
}

/** The artifacts present (regular files only), relative names, sorted (run.json and events.jsonl included). */
export async function listArtifacts(repo: string, runId: string): Promise<string[]> {
  assertRunId(runId);
  const dir = `${RUNS_DIR}/${runId}`;
  const found: string[] = [];
  const walk = async (sub: string) => {
    for (const entry of await listAiDirectory(repo, sub ? `${dir}/${sub}` : dir)) {
      const name = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(name);
      else if (entry.isFile() && !isTempName(entry.name) && entry.name !== "RUN.lock") found.push(name);
    }
  };
  await walk("");
  return found.sort();
}
