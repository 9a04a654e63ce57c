/**
 * Jobs: one agent turn each, durable records (never the prompt), a FIFO concurrency limit,
 * timeouts and cancellation of the whole process group, worktrees for apply jobs, recovery of
 * what a dead server left. Its MCP tools are its tool face, `tools/index.ts`.
 */
export { runAgentTurn, type TurnOutcome, type TurnRequest, turnLimits } from "./agent-turn.ts";
export { createJobRuntime, type JobProgress, type JobRuntime, type JobRuntimeOptions, type JobSpec } from "./runtime.ts";
export { isTerminal, JOB_STATES, type JobRecord, type JobState, type JobKind } from "./record.ts";
export { jobLine, jobView, type JobView } from "./job-view.ts";
export { readJobLog, JOB_LOG_CAP_BYTES, type LogStream } from "./logs.ts";
export { createLineCutter } from "./line-cutter.ts";
export { cleanJobWorktree, jobDiff, ownWorktree } from "./job-worktree.ts";
