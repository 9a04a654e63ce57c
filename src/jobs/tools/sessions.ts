/**
 * Conversations with an agent: codex_interactive starts one (and waits, bounded, for the first
 * turn), codex_interactive_reply and codex_resume continue a session (session-list.ts lists them).
 */
import * as v from "valibot";
import { PatchbayError } from "../../errors/index.ts";
import { realRoots } from "../../mcp/session.ts";
import type { ToolContext, ToolDeclaration } from "../../mcp/tool.ts";
import { openWorkspace } from "../../workspace/index.ts";
import { isTerminal, type JobRecord } from "../record.ts";
import { inRoots } from "./access.ts";
import { accessFor, agentOptions, STARTS_AGENT_TURN, repoPathArg, specArg, waitArg, type AgentOptions } from "./args.ts";
import { RUNS_AGENT_WRITES, submitFor } from "./job-start-tools.ts";
import { defineJobTool } from "./job-tool.ts";

const sessionIdArg = v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/, "a session id"), v.description("A job's session_id."));
const DEFAULT_WAIT_SECONDS = 30;

/** Jobs of a session this caller can see, newest first (read through the job index: a long history is not). */
async function sessionJobs(context: ToolContext, sessionId: string): Promise<JobRecord[]> {
  const roots = realRoots(context.session.scope);
  return (await context.app.jobs.ofSessions(new Set([sessionId]))).filter((job) => inRoots(roots, job.repo));
}

type ContinueArgs = AgentOptions & { session_id: string; spec?: string; repo_path?: string; wait_seconds?: number };

/** A new turn in `session_id`: in the place of the session's last job when patchbay ran it. */
async function continueSession(context: ToolContext, args: ContinueArgs, kind: "reply" | "resume", options: { requireKnown: boolean; waitSeconds: number }) {
  const [last] = await sessionJobs(context, args.session_id);
  if (!last && options.requireKnown) {
    throw new PatchbayError("session_not_found", `no job of this session's repositories has session ${args.session_id}`, {
      next: "start one with codex_interactive, or continue a session patchbay did not start with codex_resume",
    });
  }
  if (last && !isTerminal(last.state)) {
    throw new PatchbayError("session_busy", `session ${args.session_id} is still in job ${last.id} (${last.state})`, {
      next: `wait for it with codex_get_result, or cancel it with codex_cancel_job`,
    });
  }
  const agent = args.agent ?? last?.agent ?? "codex";
  if (last && agent !== last.agent)
    throw new PatchbayError("invalid_arguments", `agent: session ${args.session_id} belongs to ${last.agent}, not ${agent}`, {
      next: `leave agent out, or pass "${last.agent}"`,
    });
  const access = accessFor(args.sandbox, last?.access ?? "read_only");
  if (last && access === "write" && last.access === "read_only" && !last.worktree) {
    throw new PatchbayError("invalid_arguments", `sandbox: session ${args.session_id} ran read-only in the repository itself; it cannot start writing there`, {
      next: "start a codex_apply_job (its own worktree) instead",
    });
  }
  const repo = last ? last.repo : (await openWorkspace(context.session.scope, context.app, args.repo_path)).root;
  if (last && args.repo_path && (await openWorkspace(context.session.scope, context.app, args.repo_path)).root !== last.repo) {
    throw new PatchbayError("invalid_arguments", `repo_path: session ${args.session_id} ran in ${last.repo}`, { next: "leave repo_path out" });
  }
  const prompt = args.spec ?? "Continue.";
  return submitFor(
    context,
    { kind, access, prompt, resumeSessionId: args.session_id, continueFrom: last },
    { ...args, agent, spec: prompt },
    { repo, resume: true, waitSeconds: options.waitSeconds },
  );
}

const interactiveInput = { spec: specArg, repo_path: repoPathArg, ...agentOptions, wait_seconds: waitArg };

export const interactive = defineJobTool({
  name: "codex_interactive",
  title: "Interactive session",
  description:
    "Start a conversation with an agent: the first turn runs as a job (read-only, or writing in its own worktree), " +
    `waited for up to wait_seconds (default ${DEFAULT_WAIT_SECONDS}). Continue with codex_interactive_reply.`,
  input: v.strictObject(interactiveInput),
  annotations: RUNS_AGENT_WRITES,
  ...STARTS_AGENT_TURN,
  labels: { invoking: "Talking to the agent", invoked: "Agent answered" },
  async handler(args, context) {
    const access = accessFor(args.sandbox, accessFor(context.app.config.security.default_sandbox, "read_only"));
    return submitFor(context, { kind: "interactive", access, isolate: access === "write", prompt: args.spec }, args, {
      waitSeconds: args.wait_seconds ?? DEFAULT_WAIT_SECONDS,
    });
  },
});

const { agent: _agent, ...optionsWithoutAgent } = agentOptions;
export const agentNoDefault = v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/), v.description("Default: the session's agent.")));

export const interactiveReply = defineJobTool({
  name: "codex_interactive_reply",
  title: "Reply in a session",
  description: `The next message in a session patchbay started: a new turn in the same place, waited for up to wait_seconds (default ${DEFAULT_WAIT_SECONDS}).`,
  input: v.strictObject({
    session_id: sessionIdArg,
    spec: specArg,
    repo_path: repoPathArg,
    ...optionsWithoutAgent,
    agent: agentNoDefault,
    wait_seconds: waitArg,
  }),
  annotations: RUNS_AGENT_WRITES,
  ...STARTS_AGENT_TURN,
  labels: { invoking: "Replying to the agent", invoked: "Agent answered" },
  handler: (args, context) => continueSession(context, args, "reply", { requireKnown: true, waitSeconds: args.wait_seconds ?? DEFAULT_WAIT_SECONDS }),
});

export const resume = defineJobTool({
  name: "codex_resume",
  title: "Resume a session",
  description:
    "Continue an agent session by id as a new job, also one started outside patchbay (then in repo_path, read-only unless sandbox says otherwise); returns the job at once.",
  input: v.strictObject({ session_id: sessionIdArg, spec: v.optional(specArg), repo_path: repoPathArg, ...optionsWithoutAgent, agent: agentNoDefault }),
  annotations: RUNS_AGENT_WRITES,
  ...STARTS_AGENT_TURN,
  labels: { invoking: "Resuming the session", invoked: "Session resumed" },
  handler: (args, context) => continueSession(context, args, "resume", { requireKnown: false, waitSeconds: 0 }),
});

export const SESSION_TOOLS: readonly ToolDeclaration[] = [interactive, interactiveReply, resume];
