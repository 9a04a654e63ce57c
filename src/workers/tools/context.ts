/** Peer context and artifacts for a turn, resolved from the tool's arguments. */
import { PatchbayError } from "../../errors/index.ts";
import { log } from "../../log/index.ts";
import { realRoots } from "../../mcp/session.ts";
import type { ToolContext } from "../../mcp/tool.ts";
import { copyArtifactsInto, findArtifact } from "../artifacts.ts";
import { announceConflicts, conflictLines, teamConflicts } from "../conflicts.ts";
import { assemblePrompt, type ArtifactContext, type ContextDetail } from "../prompt.ts";
import { findWorker, type WorkerRecord, workersInScope } from "../record.ts";
import { refreshWorker } from "../turns.ts";

export interface ContextArgs {
  context_from_workers?: string[];
  context_from_artifacts?: string[];
  context_detail?: ContextDetail;
}

/** The prompt of a turn of `worker`: `body`, peer context, artifacts copied into its worktree, guidance. */
export async function promptFor(
  context: Pick<ToolContext, "app" | "session">,
  worker: WorkerRecord,
  body: string,
  args: ContextArgs,
): Promise<{ prompt: string; artifactIds: string[] }> {
  const peers: WorkerRecord[] = [];
  for (const ref of args.context_from_workers ?? []) {
    const peer = await findWorker(context.app.store, context.session.scope, ref, worker.repo);
    if (peer.id === worker.id)
      throw new PatchbayError("invalid_arguments", `context_from_workers: ${ref} is the worker itself`, { next: "name other workers" });
    peers.push((await refreshWorker(context.app, peer)).worker);
  }
  let artifacts: ArtifactContext[] = [];
  const ids = [...new Set(args.context_from_artifacts ?? [])];
  if (ids.length) {
    if (worker.workspace_mode !== "isolated_write" || !worker.worktree) {
      throw new PatchbayError(
        "invalid_arguments",
        `context_from_artifacts: worker ${worker.name} is ${worker.workspace_mode}; artifacts are copied only into isolated_write worktrees`,
        { next: "start an isolated_write worker for work that uses artifacts" },
      );
    }
    const roots = realRoots(context.session.scope);
    const records = await Promise.all(ids.map((id) => findArtifact(context.app.store, id, roots)));
    artifacts = await copyArtifactsInto(context.app.home, records, worker.worktree.path);
  }
  const overlaps = await overlapsOf(context, worker);
  return { prompt: await assemblePrompt(body, peers, args.context_detail ?? "report", artifacts, overlaps), artifactIds: ids };
}

/** What this worker's changes share with other active workers' in its repository (none for a worker without a worktree). */
async function overlapsOf(context: Pick<ToolContext, "app" | "session">, worker: WorkerRecord): Promise<string[]> {
  if (!worker.worktree) return [];
  const team = await workersInScope(context.app.store, context.session.scope, { repo: worker.repo, includeStopped: false });
  // A warning is a help, not a precondition: a turn starts even when git cannot compute it (git before 2.38).
  const picture = await teamConflicts(worker.repo, team).catch((error: Error) => {
    log.warn(`overlap warnings for worker ${worker.name} skipped: ${error.message}`);
    return undefined;
  });
  if (!picture) return [];
  if (context.app.activity) announceConflicts(worker.repo, picture, (event) => context.app.activity!.publish(event));
  const mine = picture.workers.find((entry) => entry.worker_id === worker.id);
  return mine ? conflictLines(mine) : [];
}
