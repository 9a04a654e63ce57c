/**
 * codex_list_sessions: the agent sessions patchbay's jobs had and, when the operator allows
 * session reads, the sessions saved in the Codex home (what codex_read_session can read) that ran
 * in this session's repositories. Metadata only: transcripts stay with the agent.
 */
import * as v from "valibot";
import { realRoots } from "../../mcp/session.ts";
import { defineTool, type ToolContext, type ToolDeclaration } from "../../mcp/tool.ts";
import { isInside, listCodexSessions, openWorkspace, type SavedCodexSession } from "../../workspace/index.ts";
import { PatchbayError } from "../../errors/index.ts";
import { valuePairs, valuesById } from "../../state/index.ts";
import type { JobRecord } from "../record.ts";
import { inRoots } from "./access.ts";
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

interface SessionFilter {
  repo?: string;
  agent?: string;
  /** Lower case. */
  query?: string;
}

/** A session as the job index names it: enough to order, filter and count sessions without reading a job. */
interface IndexedSession {
  session_id: string;
  agent: string;
  /** The repository of its newest job. */
  repo: string;
  newest: string;
}

const matchesQuery = (query: string | undefined, texts: Array<string | undefined>) => !query || texts.some((text) => text?.toLowerCase().includes(query));

/**
 * The sessions of the jobs this caller can see, newest first, from the job index (session, agent
 * and repository per job) without reading a job. A superset, like the index: a session an
 * interrupted write left there is dropped when its jobs are read.
 */
async function indexedSessions(context: ToolContext, roots: readonly string[], filter: SessionFilter): Promise<IndexedSession[]> {
  const index = await context.app.store.index("job");
  if (!index) throw new PatchbayError("internal_error", "the job index is missing", { next: "report this as a patchbay bug" });
  const [reposOf, agentsOf] = [valuesById(index, "repo"), valuesById(index, "agent")];
  // Asked once per repository, not once per job.
  const shownRepos = new Map<string, boolean>();
  const shownRepo = (repo: string) => {
    let shown = shownRepos.get(repo);
    if (shown === undefined) shownRepos.set(repo, (shown = (!filter.repo || repo === filter.repo) && inRoots(roots, repo)));
    return shown;
  };
  const sessions = new Map<string, IndexedSession>();
  for (const [sessionId, ids] of valuePairs(index, "session_id")) {
    if (sessionId === "") continue;
    for (const id of ids) {
      // One value each, or more where a crash left an old value's entry: every one may be the record's.
      for (const repo of reposOf.get(id) ?? []) {
        if (!shownRepo(repo)) continue;
        for (const agent of agentsOf.get(id) ?? []) {
          if (filter.agent && agent !== filter.agent) continue;
          const key = `${agent}\0${sessionId}`;
          const seen = sessions.get(key);
          // Job ids sort by creation time.
          if (!seen || seen.newest < id) sessions.set(key, { session_id: sessionId, agent, repo, newest: id });
        }
      }
    }
  }
  return [...sessions.values()].sort((a, b) => (a.newest < b.newest ? 1 : -1));
}

/** A session of the index, with its row once its jobs were read (null: none of them is left to show). */
type Candidate = IndexedSession & { row?: SessionRow | null };

/** Fills in the rows of `batch` from one reading of their jobs this caller can see. */
async function readRows(context: ToolContext, roots: readonly string[], batch: Candidate[], filter: SessionFilter): Promise<void> {
  const jobs = await context.app.jobs.ofSessions(new Set(batch.map((session) => session.session_id)));
  for (const session of batch) {
    const own = jobs.filter(
      (job) => job.session_id === session.session_id && job.agent === session.agent && (!filter.repo || job.repo === filter.repo) && inRoots(roots, job.repo),
    );
    session.row = rowOf(session, own) ?? null;
  }
}

/** The row of a session from its jobs, newest first; undefined when there are none. */
function rowOf(session: IndexedSession, jobs: readonly JobRecord[]): SessionRow | undefined {
  const [newest, oldest] = [jobs[0], jobs.at(-1)];
  if (!newest || !oldest) return undefined;
  return {
    session_id: session.session_id,
    agent: newest.agent,
    repo: newest.repo,
    jobs: jobs.length,
    last_job_id: newest.id,
    last_state: newest.state,
    last_kind: newest.kind,
    ...(newest.title && { title: newest.title }),
    ...(newest.worktree && { worktree_branch: newest.worktree.branch }),
    first_at: oldest.created_at,
    last_at: newest.finished_at ?? newest.started_at ?? newest.created_at,
  };
}

/**
 * The first `limit` sessions the filter keeps, newest first, and how many it keeps in all. Only
 * the jobs of the sessions shown are read, those still wanted together, and, with a query, the
 * newest job of a session whose id, agent and repository do not hold it (its title may): a long
 * history is not read.
 */
async function jobSessions(context: ToolContext, filter: SessionFilter, limit: number): Promise<{ rows: SessionRow[]; total: number }> {
  const rows: SessionRow[] = [];
  let total = 0;
  const roots = realRoots(context.session.scope);
  const sessions: Candidate[] = await indexedSessions(context, roots, filter);
  for (let at = 0; at < sessions.length; at++) {
    const session = sessions[at]!;
    if (rows.length < limit) {
      if (session.row === undefined) {
        // The jobs of as many sessions as rows are still wanted are read together.
        const unread = sessions.slice(at).filter((next) => next.row === undefined);
        await readRows(context, roots, unread.slice(0, limit - rows.length), filter);
      }
      const row = session.row;
      if (!row) continue;
      if (row.last_job_id !== session.newest) {
        // Its newest job in the index was moved or lost: it moves to where the newest job it still holds puts it.
        const place = sessions.findIndex((other, after) => after > at && other.newest < row.last_job_id);
        sessions.splice(place === -1 ? sessions.length : place, 0, { ...session, newest: row.last_job_id, row });
        continue;
      }
      if (!matchesQuery(filter.query, [row.session_id, row.agent, row.title, row.repo])) continue;
      rows.push(row);
    } else if (!matchesQuery(filter.query, [session.session_id, session.agent, session.repo])) {
      const newest = await context.app.jobs.get(session.newest).catch(() => undefined);
      if (!newest || !matchesQuery(filter.query, [newest.title])) continue;
    }
    total++;
  }
  return { rows, total };
}

/** Saved Codex sessions that ran inside `repo`, else inside one of the session's allowed roots. */
async function savedSessions(context: ToolContext, repo: string | undefined, query: string | undefined, limit: number) {
  const roots = repo ? [repo] : realRoots(context.session.scope);
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
    const { rows: sessions, total } = await jobSessions(context, { repo, agent: args.agent, query }, limit);
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
        total,
        truncated: total > sessions.length,
        codex_home_sessions: saved.sessions,
        codex_home_truncated: saved.truncated,
        ...(!context.session.scope.power.codexSessionRead && { codex_home_note: CODEX_HOME_OFF }),
      },
    };
  },
});

export const SESSION_LIST_TOOLS: readonly ToolDeclaration[] = [listSessions];
