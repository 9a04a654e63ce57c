/**
 * Looking at a worker (codex_worker_inspect: report, status, changes, one file's diff, a file
 * from its worktree, the integration preview) and carrying its work over (codex_worker_integrate).
 */
import { posix } from "node:path";
import * as v from "valibot";
import { PatchbayError } from "../../errors/index.ts";
import { isTerminal } from "../../jobs/index.ts";
import { defineTool, type ToolContext, type ToolDeclaration } from "../../mcp/tool.ts";
import { readInside } from "../../workspace/index.ts";
import { openWorkspace, withRepoLock, workspaceIn, type Workspace } from "../../workspace/index.ts";
import { workerChanges, workerFileDiff } from "../changes.ts";
import { applyPatch, previewIntegration, refusalError } from "../integrate.ts";
import { updateWorker, type WorkerRecord } from "../record.ts";
import { refreshWorker } from "../turns.ts";
import { namedWorker, takeoverOf } from "./lookup.ts";
import { repoPathArg, takeoverArgs, workerArg, workerLine, workerView, workerViewSchema } from "./view.ts";

const VIEWS = ["report", "status", "changes", "diff", "file", "integration_preview"] as const;
const MAX_BYTES = 200_000;

function worktreeOf(worker: WorkerRecord): NonNullable<WorkerRecord["worktree"]> {
  if (!worker.worktree || worker.workspace_removed) {
    throw new PatchbayError(
      "workspace_missing",
      `worker ${worker.name} has no worktree (${worker.workspace_removed ? "it was removed" : worker.workspace_mode})`,
      { next: "view=report and view=status still work" },
    );
  }
  return worker.worktree;
}

/** The worktree as a workspace of its own: same blocked globs, no escapes. */
function worktreeWorkspace(context: Pick<ToolContext, "app">, path: string): Promise<Workspace> {
  return workspaceIn(
    { allowedRoots: [path], power: { directWrite: false, bashMode: "off", codexSessionRead: false } },
    context.app.config.repositories.blocked_globs,
    path,
  );
}

export const workerInspect = defineTool({
  name: "codex_worker_inspect",
  title: "Inspect worker",
  description:
    "Look at a worker: its report, status (optionally waiting up to 30 s for the turn to end), changed files, one file's diff, a file from its worktree (with a line range), or the integration preview (what codex_worker_integrate would do, and why it would refuse).",
  input: v.strictObject({
    worker: workerArg,
    repo_path: repoPathArg,
    view: v.optional(v.picklist(VIEWS), "report"),
    file_path: v.optional(v.pipe(v.string(), v.minLength(1), v.description("For view=diff and view=file: a path in the worker's worktree."))),
    start_line: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
    end_line: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
    wait_seconds: v.optional(
      v.pipe(v.number(), v.minValue(0), v.maxValue(30), v.description("Wait up to this many seconds (at most 30) for a running turn to end first.")),
    ),
    max_bytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.description(`Bytes of diff or file at most (clamped to ${MAX_BYTES}).`))),
  }),
  output: v.object({ worker: workerViewSchema, view: v.string(), details: v.record(v.string(), v.unknown()) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  capability: "read",
  modes: ["worker", "standard", "full"],
  labels: { invoking: "Inspecting the worker", invoked: "Worker inspected" },
  async handler(args, context) {
    let found = await namedWorker(context, args);
    const current = found.turns.at(-1)?.job_id;
    if (args.wait_seconds && current) {
      const job = await context.app.jobs.get(current);
      if (!isTerminal(job.state)) await context.app.jobs.wait(current, args.wait_seconds * 1000, { signal: context.signal });
    }
    const { worker, job, state } = await refreshWorker(context.app, found);
    found = worker;
    const view = workerView(worker, state, context.session.clientRef, job);
    const maxBytes = Math.min(args.max_bytes ?? MAX_BYTES, MAX_BYTES);
    const answer = (text: string, details: Record<string, unknown>) => ({ text, structured: { worker: view, view: args.view, details } });

    switch (args.view) {
      case "report":
        return answer(workerLine(view), { report: view.report ?? null });
      case "status": {
        const events = job?.events.slice(-10) ?? [];
        return answer(`${workerLine(view)}${events.length ? `\n\nLatest:\n${events.map((event) => `- ${event.text}`).join("\n")}` : ""}`, {
          turn_state: job?.state ?? null,
          job_id: job?.id ?? null,
          events,
        });
      }
      case "changes": {
        if (!worker.worktree)
          return answer(`${worker.name} works in the base checkout; its last turn changed: ${(worker.changed_files ?? []).join(", ") || "nothing"}.`, {
            files: (worker.changed_files ?? []).map((path) => ({ path })),
          });
        const wt = worktreeOf(worker);
        const files = await workerChanges(wt.path, wt.base_commit);
        return answer(
          files.length
            ? `Changed in ${worker.name}'s worktree:\n${files.map((file) => `- ${file.path} (${file.status})`).join("\n")}`
            : `${worker.name} has no changes.`,
          { files, base_commit: wt.base_commit },
        );
      }
      case "diff": {
        const wt = worktreeOf(worker);
        if (!args.file_path) throw new PatchbayError("invalid_arguments", "file_path: required for view=diff", { next: "pass a path from view=changes" });
        const ws = await worktreeWorkspace(context, wt.path);
        const file = await ws.guard(args.file_path);
        // The path as asked first: a symlink that is itself the change is shown as a link, never as its target.
        const changes = await workerChanges(wt.path, wt.base_commit);
        const change = changes.find((entry) => entry.path === posix.normalize(args.file_path!)) ?? changes.find((entry) => entry.path === file.relative);
        if (!change)
          throw new PatchbayError("file_not_changed", `${file.relative} is not among ${worker.name}'s changes`, { next: "pass a path from view=changes" });
        const diff = await workerFileDiff(wt.path, wt.base_commit, change, maxBytes);
        const bytes = Buffer.from(diff.diff);
        const truncated = bytes.length > maxBytes;
        const shown = truncated ? bytes.subarray(0, maxBytes).toString("utf8") : diff.diff;
        return answer(`${file.relative} (${change.status}) in ${worker.name}${truncated ? ", truncated" : ""}:\n${shown}`, {
          file_path: file.relative,
          status: change.status,
          binary: diff.binary,
          diff: shown,
          truncated,
        });
      }
      case "file": {
        if (!args.file_path)
          throw new PatchbayError("invalid_arguments", "file_path: required for view=file", { next: "pass a path in the worker's worktree" });
        const root = worker.worktree ? worktreeOf(worker).path : worker.repo;
        const ws = await worktreeWorkspace(context, root);
        const file = await ws.guard(args.file_path);
        if (!file.exists) throw new PatchbayError("not_found", `${file.relative} does not exist in ${worker.name}'s worktree`);
        // Opened without following a link or blocking on a FIFO, at most maxBytes read.
        const read = await readInside(ws.root, file.absolute, maxBytes);
        if (read.binary)
          return answer(`${file.relative} is binary (${read.size} bytes); not shown.`, { file_path: file.relative, binary: true, size: read.size });
        const lines = Buffer.from(read.bytes).toString("utf8").split("\n");
        const start = args.start_line ?? 1;
        const end = Math.min(args.end_line ?? lines.length, lines.length);
        const content = lines.slice(start - 1, end).join("\n");
        return answer(`${file.relative} (lines ${start}-${end}):\n${content}`, {
          file_path: file.relative,
          content,
          start_line: start,
          end_line: end,
          size: read.size,
          truncated: read.truncated,
        });
      }
      case "integration_preview": {
        const ws = await openWorkspace(context.session.scope, context.app, worker.repo);
        const { patch: _patch, ...preview } = await previewIntegration(worker, state, ws, { allowDirtyBase: false });
        const why = preview.refusals.map((refusal) => `- ${refusal.code}: ${refusal.message}`).join("\n");
        const text = preview.ready
          ? `${worker.name} integrates cleanly: ${preview.files.join(", ")}${preview.base_moved ? " (the base moved since the worker started)" : ""}.`
          : `${worker.name} would be refused:\n${why}`;
        return answer(`${text}${preview.skipped_files.length ? `\nSkipped (binary): ${preview.skipped_files.join(", ")}` : ""}`, preview);
      }
    }
  },
});

export const workerIntegrate = defineTool({
  name: "codex_worker_integrate",
  title: "Integrate worker",
  description:
    "Apply an isolated_write worker's changes to the base checkout, under the repository lock: previews again, runs git apply --check, then git apply. Nothing is committed and the worktree is kept. Refused, with the reason and the files, when the worker is running, not isolated_write, has no changes, touches a blocked path, the base is dirty (unless allow_dirty_base), the patch does not apply, or it is over the size cap. Untracked binary files are skipped and listed.",
  input: v.strictObject({
    worker: workerArg,
    repo_path: repoPathArg,
    allow_dirty_base: v.optional(v.pipe(v.boolean(), v.description("Integrate into a base checkout that has uncommitted changes."))),
    ...takeoverArgs,
  }),
  output: v.object({
    worker: workerViewSchema,
    files: v.array(v.string()),
    skipped_files: v.array(v.string()),
    base_moved: v.boolean(),
    patch_sha256: v.string(),
    patch_bytes: v.number(),
    committed: v.boolean(),
  }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  capability: "integrate",
  modes: ["worker", "standard", "full"],
  labels: { invoking: "Integrating the worker's changes", invoked: "Changes integrated" },
  async handler(args, context) {
    const found = await namedWorker(context, args);
    const takeover = takeoverOf(context, found, args, "codex_worker_integrate");
    const ws = await openWorkspace(context.session.scope, context.app, found.repo);
    return withRepoLock(context.app.home, found.repo, { client_ref: context.session.clientRef, tool: "codex_worker_integrate" }, async () => {
      const { worker, state } = await refreshWorker(context.app, found);
      const preview = await previewIntegration(worker, state, ws, { allowDirtyBase: args.allow_dirty_base ?? false });
      if (!preview.ready || !preview.patch) throw refusalError(preview);
      await applyPatch(worker.repo, preview.patch);
      const integrated = {
        at: new Date().toISOString(),
        by: context.session.clientRef,
        files: preview.files,
        patch_sha256: preview.patch.sha256,
        base_moved: preview.base_moved,
      };
      const saved = await updateWorker(context.app.store, worker.id, (record) => {
        if (takeover) {
          record.takeovers.push(takeover);
          record.owner = takeover.to;
        }
        record.integrated = integrated;
      });
      const view = workerView(saved, state, context.session.clientRef);
      const skipped = preview.skipped_files.length ? ` Skipped (binary, not carried over): ${preview.skipped_files.join(", ")}.` : "";
      const moved = preview.base_moved ? " The base moved since the worker started; review the result." : "";
      return {
        text: `Applied ${worker.name}'s changes to ${worker.repo} (not committed; the worktree is kept): ${preview.files.join(", ")}.${skipped}${moved}`,
        structured: {
          worker: view,
          files: preview.files,
          skipped_files: preview.skipped_files,
          base_moved: preview.base_moved,
          patch_sha256: preview.patch.sha256,
          patch_bytes: preview.patch.bytes,
          committed: false,
        },
      };
    });
  },
});

export const INSPECT_TOOLS: readonly ToolDeclaration[] = [workerInspect, workerIntegrate];
