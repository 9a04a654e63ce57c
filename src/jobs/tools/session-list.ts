/**
 * codex_list_sessions: the agent sessions patchbay's jobs had and, when the operator allows
 * session reads, the sessions saved in the Codex home (what codex_read_session can read) that ran
 * in this session's repositories. Metadata only: transcripts stay with the agent.
 */
import { realpath } from "node:fs/promises";
import * as v from "valibot";
import { defineTool, type ToolContext, type ToolDeclaration } from "../../mcp/tool.ts";
import { isInside, listCodexSessions, openWorkspace, type SavedCodexSession } from "../../workspace/index.ts";
import type { JobRecord } from "../record.ts";
import { inScope } from "./access.ts";
import { repoPathArg } from "./args.ts";
import { agentNoDefault } from "./sessions.ts";

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

const sessionSchema = v.object({
  session_id: v.string(),
  agent: v.string(),
  repo: v.string(),
  jobs: v.number(),
  last_job_id: v.string(),
  last_state: v.string(),
  last_kind: v.string(),
  title: v.optional(v.string()),
  worktree_branch: v.optional(v.string()),
  first_at: v.string(),
  last_at: v.string(),
});
type SessionRow = v.InferOutput<typeof sessionSchema>;

const savedSchema = v.object({
  session_id: v.string(),
  source: v.literal("codex_home"),
  file: v.string(),
  cwd: v.optional(v.string()),
  started_at: v.optional(v.string()),
  cli_version: v.optional(v.string()),
  modified_at: v.string(),
});

const CODEX_HOME_OFF = "the Codex home's saved sessions are listed when the operator allows session reads (power_tools.codex_session_read)";

/** One row per session of the jobs this caller can see, newest first. */
async function jobSessions(context: ToolContext, jobs: readonly JobRecord[], filter: { repo?: string; agent?: string }): Promise<SessionRow[]> {
  const bySession = new Map<string, SessionRow>();
  for (const job of jobs) {
    if (!job.session_id || (filter.repo && job.repo !== filter.repo) || (filter.agent && job.agent !== filter.agent) || !(await inScope(context, job)))
      continue;
    const key = `${job.agent}\0${job.session_id}`;
    const seen = bySession.get(key);
    if (seen) {
      seen.jobs++;
      seen.first_at = job.created_at;
      continue;
    }
    bySession.set(key, {
      session_id: job.session_id,
      agent: job.agent,
      repo: job.repo,
      jobs: 1,
      last_job_id: job.id,
      last_state: job.state,
      last_kind: job.kind,
      ...(job.title && { title: job.title }),
      ...(job.worktree && { worktree_branch: job.worktree.branch }),
      first_at: job.created_at,
      last_at: job.finished_at ?? job.started_at ?? job.created_at,
    });
  }
  return [...bySession.values()];
}

/** Saved Codex sessions that ran inside `repo`, else inside one of the session's allowed roots. */
async function savedSessions(context: ToolContext, repo: string | undefined, query: string | undefined, limit: number) {
  const roots = repo ? [repo] : await Promise.all(context.session.scope.allowedRoots.map((root) => realpath(root).catch(() => root)));
  const matches = (session: SavedCodexSession) =>
    session.cwd !== undefined &&
    roots.some((root) => isInside(root, session.cwd!)) &&
    (!query || [session.session_id, session.cwd].some((text) => text.toLowerCase().includes(query)));
  const { sessions, truncated } = await listCodexSessions({ limit, include: matches });
  return { sessions: sessions.map((session) => ({ ...session, source: "codex_home" as const })), truncated };
}

export const listSessions = defineTool({
  name: "codex_list_sessions",
  title: "List sessions",
  description: "Agent sessions, newest first: patchbay jobs' and, when session reads are allowed, the Codex home's (for codex_read_session). Metadata only.",
  input: v.strictObject({
    repo_path: repoPathArg,
    max_sessions: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100), v.description("Per kind (default 20)."))),
    query: v.optional(v.pipe(v.string(), v.maxLength(200), v.description("Text in id, agent, title or path."))),
    agent: agentNoDefault,
  }),
  output: v.object({
    sessions: v.array(sessionSchema),
    total: v.number(),
    truncated: v.boolean(),
    codex_home_sessions: v.array(savedSchema),
    codex_home_truncated: v.boolean(),
    codex_home_note: v.optional(v.string()),
  }),
  annotations: READ_ONLY,
  capability: "read",
  modes: ["standard", "full"],
  aliases: [{ name: "codex_sessions", argumentAliases: { root: "repo_path", workspace_root: "repo_path" } }],
  labels: { invoking: "Listing sessions", invoked: "Sessions listed" },
  async handler(args, context) {
    const repo = args.repo_path ? (await openWorkspace(context.session.scope, context.app, args.repo_path)).root : undefined;
    const query = args.query?.toLowerCase();
    const limit = args.max_sessions ?? 20;
    const all = await jobSessions(context, await context.app.jobs.list(), { repo, agent: args.agent });
    const matching = all.filter(
      (session) => !query || [session.session_id, session.agent, session.title ?? "", session.repo].some((text) => text.toLowerCase().includes(query)),
    );
    const sessions = matching.slice(0, limit);
    const readable = context.session.scope.power.codexSessionRead && (!args.agent || args.agent === "codex");
    const saved = readable ? await savedSessions(context, repo, query, limit) : { sessions: [], truncated: false };
    const lines = [
      ...sessions.map(
        (session) => `${session.session_id} (${session.agent}) ${session.repo}: ${session.jobs} job(s), last ${session.last_job_id} ${session.last_state}`,
      ),
      ...saved.sessions.map((session) => `${session.session_id} (codex home) ${session.cwd}: last active ${session.modified_at}`),
    ];
    return {
      text: lines.length ? lines.join("\n") : `No sessions yet.${readable ? "" : ` (${CODEX_HOME_OFF})`}`,
      structured: {
        sessions,
        total: matching.length,
        truncated: matching.length > sessions.length,
        codex_home_sessions: saved.sessions,
        codex_home_truncated: saved.truncated,
        ...(!context.session.scope.power.codexSessionRead && { codex_home_note: CODEX_HOME_OFF }),
      },
    };
  },
});

export const SESSION_LIST_TOOLS: readonly ToolDeclaration[] = [listSessions];
