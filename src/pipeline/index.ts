/**
 * The phase pipeline: plan → approve → write → test → review → (fix → test → review)* → apply,
 * any provider in any phase, one reviewed and tested patch per run, with a person approving the
 * plan and the apply. Runs live in `.ai/runs/<run_id>/` of the repository; configuration in
 * `.ai/patchbay.toml`.
 *
 * @example
 * const env = { home, config, redact: (text) => text };
 * const run = await plan(repo, "Add a --verbose flag", env, { mock: true });
 * await approve(repo, run.run_id, env);
 */
export type { PipelineEnv } from "./agent.ts";
export { AGENT_PHASES, BUILTIN_PROVIDERS, type AgentPhase } from "./config-schema.ts";
export {
  CONFIG_FILE,
  EXAMPLE_CONFIG_FILE,
  LEGACY_CONFIG_FILE,
  describePipelineConfig,
  loadPipelineConfig,
  resolvePhase,
  testSettings,
  workflowSettings,
  type LoadedPipelineConfig,
  type ResolvedPhase,
} from "./config.ts";
export { addCliProvider, addTestCommand, editPipelineConfig, setCommand, setPhase, type ConfigEdit, type ConfigEditor } from "./config-edit.ts";
export { assertTrusted, execSettings, isTrusted, needsTrust, trustPipelineConfig } from "./trust.ts";
export { apply, approve, cancelRun, fix, plan, replan, review, test, write, type PhaseOptions } from "./phases.ts";
export { nextStep, rulesOf, type NextStep, type RunRules } from "./next-step.ts";
export { requestStop, type StopMode } from "./cancel.ts";
export { readPhaseLock } from "./lock.ts";
export { checkPipelineConfig, hasPipelineConfig, type PipelineFinding } from "./doctor.ts";
export { EXAMPLE_CONFIG, IGNORED_ENTRIES, initRepo, type InitResult } from "./init.ts";
export { cleanup } from "./cleanup.ts";
export { drive, LOCAL_PHASES, type DriveResult, type PhaseRunners } from "./drive.ts";
export { listRuns, runDiff, status, type RunSummary, type RunView } from "./queries.ts";
export { PHASES, RUN_STATES, listRunIds, readArtifact, readRunEvents, type Phase, type RunEvent, type RunRecord, type RunState } from "./run-record.ts";
export { PATCH_RULES, checkPatch, type PatchReport, type PatchRule } from "./safety.ts";
export { type CommandResult, runTestCommand } from "./test-runner.ts";
