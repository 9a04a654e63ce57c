/**
 * Jobs: one agent turn each, durable records (never the prompt), a FIFO concurrency limit,
 * timeouts and cancellation of the whole process group, worktrees for apply jobs, recovery of
 * what a dead server left, and the job-tier MCP tools.
 */
import type { ToolDeclaration } from "../mcp/tool.ts";
import { INSPECT_TOOLS } from "./tools/inspect.ts";
import { RUN_TOOLS } from "./tools/job-start-tools.ts";
import { SESSION_TOOLS } from "./tools/sessions.ts";

export const JOB_TOOLS: readonly ToolDeclaration[] = [...RUN_TOOLS, ...INSPECT_TOOLS, ...SESSION_TOOLS];

export { runAgentTurn, type TurnOutcome, type TurnRequest, turnLimits } from "./agent-turn.ts";
export { createJobRuntime, type JobProgress, type JobRuntime, type JobRuntimeOptions, type JobSpec } from "./runtime.ts";
export { isTerminal, JOB_STATES, type JobRecord, type JobState, type JobKind } from "./record.ts";
export { jobLine, jobView, type JobView } from "./tools/view.ts";
export { readJobLog, JOB_LOG_CAP_BYTES, type LogStream } from "./logs.ts";
