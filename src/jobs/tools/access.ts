/**
 * Jobs are shared by every session of the server, but a session sees only jobs whose repository
 * lies inside its own allowed roots: a job elsewhere is `job_not_found` to it.
 */
import { PatchbayError } from "../../errors/index.ts";
import { realRoots } from "../../mcp/session.ts";
import type { ToolContext } from "../../mcp/tool.ts";
import { isInside } from "../../workspace/index.ts";
import type { JobRecord } from "../record.ts";
import type { JobProgress } from "../runtime.ts";

/** True when `repo` lies inside one of `roots` (real paths). */
export const inRoots = (roots: readonly string[], repo: string) => roots.some((root) => isInside(root, repo));

/** The job, when this session may see it. */
export async function jobFor(context: Pick<ToolContext, "app" | "session">, id: string): Promise<JobRecord> {
  const record = await context.app.jobs.get(id);
  if (!inRoots(realRoots(context.session.scope), record.repo))
    throw new PatchbayError("job_not_found", `no job ${JSON.stringify(id)} in this session's repositories`, {
      next: "use a job_id from a job this session can see",
    });
  return record;
}

/**
 * Waits up to `seconds` for a job, forwarding its progress lines as MCP progress notifications.
 *
 * @example
 * const record = await waitWithProgress(context, job.id, 60);
 */
export async function waitWithProgress(context: Pick<ToolContext, "app" | "signal" | "progress">, id: string, seconds: number): Promise<JobRecord> {
  if (seconds <= 0) return context.app.jobs.get(id);
  let sent = 0;
  const onProgress = (progress: JobProgress) => {
    sent++;
    void context.progress.report(sent, undefined, progress.text).catch(() => {});
  };
  return context.app.jobs.wait(id, seconds * 1000, { onProgress, signal: context.signal });
}
