/**
 * The pipeline CLI's phases on the server: each phase is a `patchbay_*` tool called through the
 * control `call` op on a local session scoped to the repository, so its agent turns are jobs of
 * the server (`patchbay job list`), owned and recorded by it. Long phases are started
 * with `background: true`; the CLI then follows the run's events.jsonl and the progress of the
 * phase's agent job, and prints them as progress lines. Ctrl-C writes the run's STOP file: the
 * server stops the phase, the run keeps its state, and the phase can be run again (a second
 * Ctrl-C leaves without waiting).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { PatchbayError } from "../../errors/index.ts";
import * as pipeline from "../../pipeline/index.ts";
import { controlStream, ensureServer, type OwnerRecord } from "../../server/index.ts";
import { callServerTool, repoScope, withExec } from "../server-call.ts";
import { eventText } from "./event-text.ts";

/** The session's client ref on the server: approvals and locks name it. */
const CLIENT_REF = "cli_pipeline";
/** A phase whose terminal event has not appeared yet is asked about again this often. */
const POLL_MS = 250;
const FINAL_ACTIONS = new Set(["success", "approve_granted", "apply_granted", "error", "apply_denied", "stopped", "cancelled"]);
const SUCCESS_ACTIONS = new Set(["success", "approve_granted", "apply_granted"]);

export interface RemoteOptions {
  home: string;
  /** No progress lines (--json). */
  quiet: boolean;
}

function line(text: string): void {
  process.stderr.write(`  ${text}\n`);
}

function describeEvent(event: pipeline.RunEvent): string {
  return `${event.phase} ${eventText(event)}`;
}

/** Runs pipeline phases on the server of `home`, started in the background when none runs. */
export class RemotePhases implements pipeline.PhaseRunners {
  private owner?: OwnerRecord;

  constructor(private readonly options: RemoteOptions) {}

  private async server(): Promise<OwnerRecord> {
    this.owner ??= await ensureServer(this.options.home);
    return this.owner;
  }

  /** `exec`: the call needs the exec capability, which the operator at the terminal holds. */
  private async call(repo: string, tool: string, args: Record<string, unknown>, timeoutMs: number, exec = false): Promise<pipeline.RunView> {
    const scope = exec ? withExec(repoScope(repo)) : repoScope(repo);
    const { value } = await callServerTool<pipeline.RunView>(
      await this.server(),
      { tool, args: { ...args, repo_path: repo }, scope, client_ref: CLIENT_REF },
      timeoutMs,
    );
    return value;
  }

  /**
   * Runs `phase` on the server and follows it: with `background`, the tool returns once the phase
   * holds the run and the run's events say how it ended; without (plan, whose run id the server
   * chooses), the call lasts the phase and the run is found by its task to follow it meanwhile.
   * Ctrl-C writes STOP while the phase runs (again if the phase's own start cleared it).
   */
  private async runPhase(
    repo: string,
    phase: pipeline.Phase,
    how: { tool: string; args: Record<string, unknown>; runId?: string; background: boolean; find?: () => Promise<string | undefined> },
  ): Promise<pipeline.RunRecord> {
    const follower = new Follower(this, repo, phase, this.options.quiet);
    if (how.runId) await follower.attach(how.runId);
    let started = false;
    let interrupted = false;
    const onInterrupt = () => {
      if (interrupted) {
        process.stderr.write(
          `leaving; the ${phase} phase may still be stopping on the server${follower.runId ? ` (patchbay pipeline status ${follower.runId})` : ""}\n`,
        );
        process.exit(130);
      }
      interrupted = true;
      follower.stopAsked = true;
      process.stderr.write(`stopping ${phase}${follower.runId ? ` of ${follower.runId}` : ""} (the run keeps its state; Ctrl-C again to leave at once)\n`);
      if (started) void follower.stopIfRunning().catch(() => {});
    };
    process.on("SIGINT", onInterrupt);
    try {
      if (how.background) {
        const view = await this.call(repo, how.tool, { ...how.args, background: true }, 120_000);
        if (!follower.runId) await follower.attach(view.run_id);
        started = true;
        if (!this.options.quiet) line(`${phase} of ${view.run_id} runs on the server (pid ${this.owner?.pid})`);
        return await follower.untilEnd();
      }
      let settled = false;
      const call = this.call(repo, how.tool, how.args, 24 * 3_600_000).finally(() => (settled = true));
      const alongside = (async () => {
        while (!settled) {
          if (!follower.runId) {
            const found = await how.find?.().catch(() => undefined);
            if (found) {
              await follower.attach(found, 0);
              started = true;
              if (!this.options.quiet) line(`${phase} of ${found} runs on the server (pid ${this.owner?.pid})`);
            }
          }
          if (follower.runId) await follower.poll().catch(() => {});
          await new Promise((done) => setTimeout(done, POLL_MS));
        }
      })();
      try {
        const view = await call;
        if (!follower.runId) {
          await follower.attach(view.run_id, 0);
          if (!this.options.quiet) line(`${phase} of ${view.run_id} ran on the server (pid ${this.owner?.pid})`);
        }
        return view;
      } finally {
        await alongside;
        if (follower.runId) await follower.poll().catch(() => {});
      }
    } finally {
      process.off("SIGINT", onInterrupt);
    }
  }

  /** The agent job's progress lines, until it ends (or the server goes away). */
  async watchJob(jobId: string): Promise<void> {
    const owner = await this.server();
    try {
      for (;;) {
        const view = (await controlStream(owner, { op: "job", action: { name: "watch", id: jobId } }, (progress) =>
          line(`[${jobId}] ${(progress as { text: string }).text}`),
        )) as { done?: boolean };
        if (view.done !== false) return;
      }
    } catch {
      // Progress lines are a courtesy: the run's events say how the phase ended.
    }
  }

  /** The server's patchbay_plan chooses the run id and lasts the phase; the new run is found by its task. */
  plan = async (repo: string, task: string, _env: pipeline.PipelineEnv, options: pipeline.PhaseOptions & { runId?: string }) => {
    if (options.runId)
      throw new PatchbayError("usage", "--run-id: the server chooses the run id of a plan", {
        next: "drop --run-id, or add --standalone to plan in this process",
      });
    const before = new Set(await pipeline.listRunIds(repo).catch(() => []));
    const find = async () => {
      for (const id of await pipeline.listRunIds(repo)) {
        if (before.has(id)) continue;
        const text = await readFile(join(repo, ".ai/runs", id, "run.json"), "utf8").catch(() => "");
        if (text && (JSON.parse(text) as { task?: string }).task === task) return id;
      }
      return undefined;
    };
    return this.runPhase(repo, "plan", { tool: "patchbay_plan", args: { task, ...(options.mock && { mock: true }) }, background: false, find });
  };

  /** The planner again for a run whose plan did not finish: the run is known, so it is followed like the other phases. */
  replan = (repo: string, runId: string, _env: pipeline.PipelineEnv, options: pipeline.PhaseOptions) =>
    this.runPhase(repo, "plan", { tool: "patchbay_plan", args: { run_id: runId, ...(options.mock && { mock: true }) }, runId, background: true });

  approve = async (repo: string, runId: string) => {
    const view = await this.call(repo, "patchbay_approve", { run_id: runId }, 120_000);
    if (!this.options.quiet) line(`approve of ${runId} done on the server`);
    return view;
  };

  write = (repo: string, runId: string, _env: pipeline.PipelineEnv, options: pipeline.PhaseOptions) =>
    this.runPhase(repo, "write", { tool: "patchbay_write", args: { run_id: runId, ...(options.mock && { mock: true }) }, runId, background: true });
  test = (repo: string, runId: string) => this.runPhase(repo, "test", { tool: "patchbay_test", args: { run_id: runId }, runId, background: true });
  review = (repo: string, runId: string, _env: pipeline.PipelineEnv, options: pipeline.PhaseOptions) =>
    this.runPhase(repo, "review", { tool: "patchbay_review", args: { run_id: runId, ...(options.mock && { mock: true }) }, runId, background: true });
  fix = (repo: string, runId: string, _env: pipeline.PipelineEnv, options: pipeline.PhaseOptions) =>
    this.runPhase(repo, "fix", { tool: "patchbay_fix", args: { run_id: runId, ...(options.mock && { mock: true }) }, runId, background: true });

  /** Apply is git on the server, short and not to be stopped half-way: a plain call. */
  apply = async (repo: string, runId: string, _env?: pipeline.PipelineEnv, options: pipeline.PhaseOptions = {}) => {
    // Landing agent configuration is exec: the person at the terminal is the operator (withExec).
    const args = { run_id: runId, ...(options.allowAgentConfig && { allow_agent_config: true }) };
    const view = await this.call(repo, "patchbay_apply", args, 10 * 60_000, options.allowAgentConfig === true);
    if (!this.options.quiet) line(`apply of ${runId} done on the server`);
    return view;
  };
}

/** One phase's run as the CLI follows it: new events and job progress printed, STOP on request. */
class Follower {
  runId?: string;
  stopAsked = false;
  private since = 0;
  private final?: pipeline.RunEvent;
  private finalAt = 0;
  private readonly watched = new Set<string>();
  private readonly watches: Promise<void>[] = [];

  constructor(
    private readonly remote: RemotePhases,
    private readonly repo: string,
    private readonly phase: pipeline.Phase,
    private readonly quiet: boolean,
  ) {}

  /** Follows `runId` from `since` (default: its events so far are old). */
  async attach(runId: string, since?: number): Promise<void> {
    this.runId = runId;
    this.since = since ?? (await pipeline.readRunEvents(this.repo, runId).catch(() => ({ next: 0 }))).next;
  }

  /** Writes STOP while the phase runs and none is pending (the phase clears a STOP when it starts). */
  async stopIfRunning(): Promise<void> {
    if (!this.runId || !this.stopAsked || this.final) return;
    const record = { repo: this.repo, run_id: this.runId };
    const lock = await pipeline.readPhaseLock(record);
    if (lock?.phase !== this.phase || existsSync(join(this.repo, ".ai/runs", this.runId, "STOP"))) return;
    await pipeline.requestStop(record, "stop", CLIENT_REF);
  }

  /** Prints what happened since the last poll (and repeats a pending STOP); returns the run as it is now. */
  async poll(): Promise<pipeline.RunView> {
    const runId = this.runId!;
    const page = await pipeline.readRunEvents(this.repo, runId, { since: this.since });
    this.since = page.next;
    for (const event of page.events) {
      if (!this.quiet) line(describeEvent(event));
      if (event.job_id && !this.watched.has(event.job_id)) {
        this.watched.add(event.job_id);
        if (!this.quiet) this.watches.push(this.remote.watchJob(event.job_id));
      }
      if (event.phase === this.phase && FINAL_ACTIONS.has(event.action)) {
        this.final = event;
        this.finalAt = Date.now();
      }
    }
    await this.stopIfRunning().catch(() => {});
    return pipeline.status(this.repo, runId);
  }

  /** Polls until the phase's final event; returns the run, or throws the phase's failure. */
  async untilEnd(): Promise<pipeline.RunRecord> {
    const runId = this.runId!;
    const phase = this.phase;
    for (;;) {
      const view = await this.poll();
      const final = this.final;
      // The lock goes just after the final event; another client may already run the next phase.
      if (final && (view.running !== phase || Date.now() - this.finalAt > 5_000)) {
        await Promise.race([Promise.all(this.watches), new Promise((done) => setTimeout(done, 2_000))]);
        if (SUCCESS_ACTIONS.has(final.action)) return view;
        if (final.action === "cancelled")
          throw new PatchbayError("run_cancelled", `run ${runId} was ${final.detail ?? "cancelled"}`, {
            next: "start a new run with patchbay plan; `patchbay cleanup` removes its worktree",
          });
        const failure = view.failure?.phase === phase ? view.failure : undefined;
        throw PatchbayError.received({
          code: failure?.code ?? "phase_failed",
          message: failure?.message ?? final.detail ?? `the ${phase} phase of ${runId} failed`,
          next:
            failure?.code === "phase_stopped"
              ? `run it again (patchbay ${phase} ${runId}), or end the run with \`patchbay cancel ${runId}\``
              : `see patchbay events ${runId}`,
        });
      }
      // The server died mid-phase: the reader that noticed marked the run interrupted.
      if (!final && !view.running && view.interrupted?.phase === phase) {
        throw new PatchbayError("phase_interrupted", `the server running the ${phase} phase of ${runId} is gone; the run keeps its state`, {
          next: `run it again: patchbay ${phase} ${runId}`,
        });
      }
      await new Promise((done) => setTimeout(done, POLL_MS));
    }
  }
}
