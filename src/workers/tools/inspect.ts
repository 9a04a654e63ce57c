/**
 * Looking at a worker (codex_worker_inspect: report, status, changes, one file's diff, a file
 * from its worktree, the integration preview with its conflicts with other workers).
 */
import { posix } from "node:path";
import * as v from "valibot";
import { PatchbayError } from "../../errors/index.ts";
import { isTerminal } from "../../jobs/index.ts";
import { defineTool, type ToolContext, type ToolDeclaration } from "../../mcp/tool.ts";
import { readInside } from "../../workspace/index.ts";
import { openWorkspace, workspaceIn, type Workspace } from "../../workspace/index.ts";
import { workerChanges, workerFileDiff } from "../changes.ts";
import { announceConflicts, conflictLines, teamConflicts } from "../conflicts.ts";
import { previewIntegration } from "../integrate.ts";
import { type WorkerRecord, workersInScope } from "../record.ts";
import { refreshWorker } from "../turns.ts";
import { costLine, totalsOf, usageLedger } from "../../usage/index.ts";
import { namedWorker } from "./lookup.ts";
import { repoPathArg, workerArg, workerLine, workerView, workerViewSchema } from "./view.ts";

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
  description: "A worker's report, status, changes, a file's diff or text, or the integration preview (what codex_worker_integrate would do; conflicts).",
  input: v.strictObject({
    worker: workerArg,
    repo_path: repoPathArg,
    view: v.optional(v.picklist(VIEWS), "report"),
    file_path: v.optional(v.pipe(v.string(), v.minLength(1), v.description("For view diff or file."))),
    start_line: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
    end_line: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
    wait_seconds: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(30), v.description("Wait up to this long for a running turn to end."))),
    max_bytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.description("Cap on bytes shown."))),
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
      case "report": {
        // What the worker's turns cost so far, from the usage ledger.
        const usage = await totalsOf(usageLedger(context.app.home, context.app.store), { worker: worker.name, repo: worker.repo, worker_id: worker.id });
        return answer(`${workerLine(view)}\nusage: ${costLine(usage)}`, { report: view.report ?? null, usage });
      }
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
        const team = await workersInScope(context.app.store, context.session.scope, { repo: worker.repo, includeStopped: false });
        const picture = await teamConflicts(worker.repo, team);
        if (context.app.activity) announceConflicts(worker.repo, picture, (event) => context.app.activity!.publish(event));
        const conflicts = picture.workers.find((entry) => entry.worker_id === worker.id);
        const warnings = conflicts ? conflictLines(conflicts) : [];
        const why = preview.refusals.map((refusal) => `- ${refusal.code}: ${refusal.message}`).join("\n");
        const text = preview.ready
          ? `${worker.name} integrates cleanly: ${preview.files.join(", ")}${preview.base_moved ? " (the base moved since the worker started)" : ""}.`
          : `${worker.name} would be refused:\n${why}`;
        const skipped = preview.skipped_files.length ? `\nSkipped (binary): ${preview.skipped_files.join(", ")}` : "";
        const others = warnings.length ? `\nWith other workers:\n${warnings.map((line) => `- ${line}`).join("\n")}` : "";
        return answer(`${text}${skipped}${others}`, {
          ...preview,
          base_conflicts: conflicts?.base_conflicts ?? [],
          worker_conflicts: (conflicts?.peers ?? []).map((peer) => ({
            worker: peer.worker,
            worker_id: peer.worker_id,
            overlapping_files: peer.overlapping_files,
            conflicting_files: peer.conflicting_files,
          })),
        });
      }
    }
  },
});

export const INSPECT_TOOLS: readonly ToolDeclaration[] = [workerInspect];
