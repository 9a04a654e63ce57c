/**
 * codex_worker_integrate: carrying one worker's changes to the base checkout, or several one
 * after another (a merge queue: `workers`, or `all_ready`), each tested first when asked.
 */
import * as v from "valibot";
import { PatchbayError } from "../../errors/index.ts";
import { defineTool, type ToolContext, type ToolDeclaration } from "../../mcp/tool.ts";
import { openWorkspace, withRepoLock, type Workspace } from "../../workspace/index.ts";
import { activeIsolated } from "../conflicts.ts";
import { previewIntegration } from "../integrate.ts";
import { type LandItem, landInOrder } from "../land.ts";
import { updateWorker, workersInScope, type WorkerRecord } from "../record.ts";
import { refreshWorker } from "../turns.ts";
import { gateArgs, landedLine, landedSchema, landOptions, gateEscalation, stoppedSchema } from "./gate-args.ts";
import { namedWorker, takeoverOf } from "./lookup.ts";
import { repoPathArg, takeoverArgs, workerArg, workerView, workerViewSchema } from "./view.ts";

type Context = Pick<ToolContext, "app" | "session" | "signal">;

/** The session's own idle isolated workers in `ws` whose change would apply now and has not landed yet, oldest first. */
async function readyWorkers(context: Context, ws: Workspace): Promise<WorkerRecord[]> {
  const mine = (await workersInScope(context.app.store, context.session.scope)).filter(
    (worker) => worker.repo === ws.root && worker.owner === context.session.clientRef,
  );
  const ready: WorkerRecord[] = [];
  for (const found of activeIsolated(mine).sort((a, b) => (a.created_at < b.created_at ? -1 : 1))) {
    const { worker, state } = await refreshWorker(context.app, found);
    const preview = await previewIntegration(worker, state, ws, { allowDirtyBase: true });
    if (preview.ready && preview.patch && preview.patch.sha256 !== worker.integrated?.patch_sha256) ready.push(worker);
  }
  return ready;
}

/** The queue entry of one worker: previewed again under the lock, its `integrated` recorded when it lands. */
function itemOf(context: Context, ws: Workspace, found: WorkerRecord, takeover: ReturnType<typeof takeoverOf>): LandItem {
  return {
    name: found.name,
    async preview(options) {
      const { worker, state } = await refreshWorker(context.app, found);
      return previewIntegration(worker, state, ws, options);
    },
    async landed(landed) {
      await updateWorker(context.app.store, found.id, (record) => {
        if (takeover) {
          record.takeovers.push(takeover);
          record.owner = takeover.to;
        }
        record.integrated = {
          at: new Date().toISOString(),
          by: context.session.clientRef,
          files: landed.files,
          patch_sha256: landed.patch_sha256,
          base_moved: landed.base_moved,
          ...(landed.commit && { commit: landed.commit }),
        };
        // The preview let nothing unresolved through: what the rebase named is settled.
        delete record.rebase_conflicts;
      });
    },
  };
}

export const workerIntegrate = defineTool({
  name: "codex_worker_integrate",
  title: "Integrate worker",
  description:
    "Apply isolated_write workers' changes to the base checkout (worktrees kept): one worker, workers in order, or all_ready. A change that cannot land is refused with the reason and files.",
  input: v.strictObject({
    worker: v.optional(workerArg),
    workers: v.optional(
      v.pipe(
        v.array(v.pipe(v.string(), v.minLength(1), v.maxLength(140))),
        v.minLength(1),
        v.maxLength(20),
        v.description("Land these in order; stops at the first refusal."),
      ),
    ),
    all_ready: v.optional(v.pipe(v.boolean(), v.description("Land this session's idle workers whose change applies, oldest first."))),
    repo_path: repoPathArg,
    allow_dirty_base: v.optional(v.pipe(v.boolean(), v.description("Allow uncommitted changes in the base checkout."))),
    ...gateArgs,
    ...takeoverArgs,
  }),
  output: v.object({
    worker: v.optional(workerViewSchema),
    files: v.array(v.string()),
    skipped_files: v.array(v.string()),
    base_moved: v.boolean(),
    patch_sha256: v.optional(v.string()),
    patch_bytes: v.number(),
    committed: v.boolean(),
    landed: v.array(landedSchema),
    stopped: v.optional(stoppedSchema),
    not_tried: v.array(v.string()),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  capability: "integrate",
  escalate: gateEscalation,
  modes: ["worker", "standard", "full"],
  labels: { invoking: "Integrating the worker's changes", invoked: "Changes integrated" },
  async handler(args, context) {
    const asked = [args.worker !== undefined, args.workers !== undefined, args.all_ready === true].filter(Boolean).length;
    if (asked !== 1)
      throw new PatchbayError("invalid_arguments", "name what to integrate with exactly one of `worker` (one), `workers` (a queue) and `all_ready`", {
        next: "pass `worker` for one, `workers` for a queue in your order, or all_ready=true",
      });
    const ws = await openWorkspace(context.session.scope, context.app, args.repo_path);
    const named = args.all_ready
      ? []
      : await Promise.all((args.workers ?? [args.worker!]).map((worker) => namedWorker(context, { worker, repo_path: args.repo_path })));
    const elsewhere = named.find((worker) => worker.repo !== named[0]!.repo);
    if (elsewhere)
      throw new PatchbayError("invalid_arguments", `workers: ${elsewhere.name} is in ${elsewhere.repo}, not ${named[0]!.repo}`, {
        next: "integrate one repository at a time",
      });
    const repo = named[0]?.repo ?? ws.root;
    const base = repo === ws.root ? ws : await openWorkspace(context.session.scope, context.app, repo);
    const items = named.map((worker) => itemOf(context, base, worker, takeoverOf(context, worker, args, "codex_worker_integrate")));
    const options = await landOptions(context, repo, args);
    return withRepoLock(context.app.home, repo, { client_ref: context.session.clientRef, tool: "codex_worker_integrate" }, async () => {
      if (args.all_ready) for (const worker of await readyWorkers(context, base)) items.push(itemOf(context, base, worker, undefined));
      const result = await landInOrder(items, options);
      if (args.worker !== undefined && result.stopped) throw result.stopped.error;
      const single = args.worker !== undefined ? result.landed[0] : undefined;
      const files = [...new Set(result.landed.flatMap((landed) => landed.files))].sort();
      const structured = {
        ...(single && { worker: await viewAfter(context, named[0]!) }),
        files,
        skipped_files: [...new Set(result.landed.flatMap((landed) => landed.skipped_files))].sort(),
        base_moved: result.landed.some((landed) => landed.base_moved),
        ...(single && { patch_sha256: single.patch_sha256 }),
        patch_bytes: result.landed.reduce((sum, landed) => sum + landed.patch_bytes, 0),
        committed: result.landed.some((landed) => landed.commit !== undefined),
        landed: result.landed,
        ...(result.stopped && {
          stopped: {
            name: result.stopped.name,
            code: result.stopped.error.code,
            message: result.stopped.error.message,
            files: ((result.stopped.error.details as { files?: string[] } | undefined)?.files ?? []).slice(0, 50),
          },
        }),
        not_tried: result.not_tried,
      };
      return { text: integrationText(repo, result, args.worker !== undefined), structured };
    });
  },
});

async function viewAfter(context: Context, found: WorkerRecord) {
  const { worker, state } = await refreshWorker(context.app, (await context.app.store.get<WorkerRecord>("worker", found.id))?.data ?? found);
  return workerView(worker, state, context.session.clientRef);
}

function integrationText(repo: string, result: Awaited<ReturnType<typeof landInOrder>>, single: boolean): string {
  if (single) {
    const landed = result.landed[0]!;
    const skipped = landed.skipped_files.length ? ` Skipped (binary, not carried over): ${landed.skipped_files.join(", ")}.` : "";
    const moved = landed.base_moved ? " The base moved since the worker started; review the result." : "";
    return `Applied ${landed.name}'s changes to ${repo} (the worktree is kept): ${landedLine(landed)}.${skipped}${moved}`;
  }
  const lines = [
    result.landed.length ? `Landed in ${repo}, in order:` : `Nothing landed in ${repo}.`,
    ...result.landed.map((landed) => `- ${landedLine(landed)}`),
  ];
  if (result.stopped)
    lines.push(`Stopped at ${result.stopped.name} (${result.stopped.error.code}): ${result.stopped.error.message}`, `Next: ${result.stopped.error.next ?? ""}`);
  if (result.not_tried.length) lines.push(`Not tried: ${result.not_tried.join(", ")}.`);
  return lines.join("\n");
}

export const INTEGRATE_TOOLS: readonly ToolDeclaration[] = [workerIntegrate];
