/**
 * The way forward from every state of a run: the phase a person runs next (`cancel` when only
 * ending the run is left) and a sentence saying why, in the shell's words. `status` shows it, and
 * a phase that refuses names it, so no run is left where its status names a refused command
 * (tests/pipeline/state-machine.test.ts walks every state).
 */
import { PatchbayError } from "../errors/index.ts";
import { loadPipelineConfig, type LoadedPipelineConfig, validate, workflowSettings } from "./config.ts";
import { applyConflictStep } from "./git.ts";
import { PHASE_FROM, type Phase, type RunRecord } from "./run-record.ts";

/** The workflow settings the way forward depends on. */
export interface RunRules {
  maxFixRounds: number;
  allowApplyWithoutTests: boolean;
}

export interface NextStep {
  /** The phase to run next; undefined once the run is over (applied, failed, cancelled). */
  phase?: Phase;
  /** What to do, and why, with the command. */
  step: string;
}

/** The repository's rules; a pipeline file that does not load leaves the defaults (its phases report the error). */
export async function rulesOf(repo: string): Promise<RunRules> {
  const loaded: LoadedPipelineConfig = await loadPipelineConfig(repo).catch(() => ({ legacy: false, raw: {}, data: validate("(defaults)", {}) }));
  return workflowSettings(loaded);
}

/** Whether the run's tests let apply go ahead: passed, or skipped where workflow.allow_apply_without_tests says so. */
export function testsAllowApply(record: RunRecord, rules: RunRules): boolean {
  return record.tests?.status === "passed" || (record.tests?.status === "skipped" && rules.allowApplyWithoutTests);
}

/**
 * The way forward from the run's state.
 *
 * @example
 * nextStep(run, await rulesOf(repo)); // { phase: "fix", step: "the tests failed; fix the patch: patchbay fix run_…" }
 */
export function nextStep(record: RunRecord, rules: RunRules): NextStep {
  const id = record.run_id;
  const run = (phase: Phase, why: string): NextStep => ({ phase, step: `${why}: patchbay ${phase} ${id}` });
  switch (record.state) {
    case "new":
      return { phase: "plan", step: `the plan did not finish; run the planner again: patchbay plan --run-id ${id}` };
    case "planned":
      return run("approve", "read PLAN.md, then approve the plan");
    case "approved":
      return run("write", "write the patch");
    case "written":
    case "fixed":
      return run("test", "test the patch");
    case "tested":
    case "reviewed":
      return afterTests(record, rules, run);
    case "applied":
      return { step: `done: the patch is in the checkout, not committed; patchbay cleanup ${id} removes the run's worktree` };
    default:
      return { step: `run ${id} is ${record.state}; start a new run with patchbay plan --task "..."` };
  }
}

function afterTests(record: RunRecord, rules: RunRules, run: (phase: Phase, why: string) => NextStep): NextStep {
  const failed = record.tests?.status === "failed";
  if (failed || record.review?.verdict === "changes_requested") {
    const why = failed ? "the tests failed" : "the review requested changes";
    if (record.fix_rounds < rules.maxFixRounds) return run("fix", `${why}; fix the patch`);
    return {
      phase: "cancel",
      step:
        `${why} and the fix rounds are used up (workflow.max_fix_rounds = ${rules.maxFixRounds}): ` +
        `raise it in .ai/patchbay.toml and run patchbay fix ${record.run_id}, or end the run: patchbay cancel ${record.run_id}`,
    };
  }
  if (!testsAllowApply(record, rules))
    return run(
      "test",
      'no test ran, and apply needs passing tests: add a test command (patchbay config test add "<command line>", or set workflow.allow_apply_without_tests), then test again',
    );
  if (record.state === "tested") return run("review", "the tests passed; review the patch");
  // Applying again would conflict again: say what can move the run on.
  if (record.failure?.code === "apply_conflict") return { phase: "cancel", step: applyConflictStep(record.run_id) };
  return run("apply", "the tests passed and the review approved; apply the patch to the checkout");
}

/** Refuses a phase the run's state does not allow, naming the way forward. */
export async function assertPhaseAllowed(record: RunRecord, phase: Phase): Promise<void> {
  const over = record.state === "failed" || record.state === "cancelled" || record.state === "applied";
  if (!over && PHASE_FROM[phase].includes(record.state)) return;
  const next = nextStep(record, await rulesOf(record.repo));
  if (over)
    throw new PatchbayError(
      "run_finished",
      `run ${record.run_id} is ${record.state}${record.failure ? ` (${record.failure.message})` : ""}; no phase can run`,
      {
        next: next.step,
      },
    );
  throw new PatchbayError("invalid_state", `run ${record.run_id} is ${record.state}; ${phase} needs it to be ${PHASE_FROM[phase].join(" or ")}`, {
    next: next.step,
    details: { state: record.state, phase },
  });
}
