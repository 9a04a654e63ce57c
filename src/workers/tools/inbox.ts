/** codex_worker_inbox (files a host hands over) and codex_worker_options (the model menu). */
import { constants } from "node:fs";
import { open, rm } from "node:fs/promises";
import { join } from "node:path";
import * as v from "valibot";
import { PatchbayError } from "../../errors/index.ts";
import { realRoots } from "../../mcp/session.ts";
import { defineTool, type ToolDeclaration } from "../../mcp/tool.ts";
import { openWorkspace } from "../../workspace/index.ts";
import { artifactFilesRoot, artifactsInScope, findArtifact, importArtifact, type ArtifactRecord } from "../artifacts.ts";
import { checkOwnership } from "../record.ts";
import { workerOptions, REASONING_EFFORTS } from "../options.ts";
import { repoPathArg, takeoverArgs } from "./view.ts";

const MAX_FILE_BYTES = 200_000;

/** The record without its full file list (view=tree has it): the count and the first few. */
function summary(record: ArtifactRecord, fileList = 20): Record<string, unknown> {
  const { takeovers, files, unpacked_folders, ...rest } = record;
  return {
    ...rest,
    files: files.slice(0, fileList),
    file_count: files.length,
    ...(unpacked_folders && { folder_count: unpacked_folders.length }),
    takeovers: takeovers.length,
  };
}

/** The first `maxBytes` of an artifact file (never following a symlink) and its size. */
async function readHead(absolute: string, maxBytes: number): Promise<{ bytes: Buffer; size: number }> {
  const handle = await open(absolute, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const size = (await handle.stat()).size;
    const bytes = Buffer.alloc(Math.min(size, maxBytes));
    const { bytesRead } = await handle.read(bytes, 0, bytes.length, 0);
    return { bytes: bytes.subarray(0, bytesRead), size };
  } finally {
    await handle.close();
  }
}

function importedText(record: ArtifactRecord): string {
  const head = `Imported ${record.file_name} as ${record.id} (${record.bytes} bytes, sha256 ${record.sha256.slice(0, 16)}…)`;
  if (!record.unpacked) return `${head}.`;
  const shown = record.files
    .slice(0, 20)
    .map((file) => file.path)
    .join(", ");
  const files = `${record.files.length} file${record.files.length === 1 ? "" : "s"} (${record.unpacked_bytes ?? 0} bytes)`;
  return `${head}; unpacked ${files}${shown ? `: ${shown}${record.files.length > 20 ? ", …" : ""}` : ""}.`;
}

export const workerInbox = defineTool({
  name: "codex_worker_inbox",
  title: "Artifact inbox",
  // ChatGPT uploads the file the user attached and passes it here as artifact_file.
  meta: { "openai/fileParams": ["artifact_file"] },
  description:
    "Files for workers: import_file (download artifact_file or copy source_path; zips unpacked safely), list, inspect, cleanup. Pass the artifact_id in a worker's context_from_artifacts.",
  input: v.strictObject({
    action: v.picklist(["import_file", "list", "inspect", "cleanup"]),
    artifact_file: v.optional(
      v.object({
        download_url: v.optional(v.pipe(v.string(), v.maxLength(4096))),
        file_id: v.optional(v.pipe(v.string(), v.maxLength(200))),
        mime_type: v.optional(v.pipe(v.string(), v.maxLength(200))),
        file_name: v.optional(v.pipe(v.string(), v.maxLength(500))),
      }),
    ),
    source_path: v.optional(v.pipe(v.string(), v.description("import_file: a repository file instead of a download."))),
    artifact_id: v.optional(v.pipe(v.string(), v.maxLength(40))),
    label: v.optional(v.pipe(v.string(), v.maxLength(200))),
    repo_path: repoPathArg,
    view: v.optional(v.picklist(["summary", "tree", "file", "raw_manifest"]), "summary"),
    file_path: v.optional(v.string()),
    max_bytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
    max_entries: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000))),
    ...takeoverArgs,
  }),
  output: v.object({
    action: v.string(),
    artifact: v.optional(v.record(v.string(), v.unknown())),
    artifacts: v.optional(v.array(v.record(v.string(), v.unknown()))),
    content: v.optional(v.string()),
    removed: v.optional(v.boolean()),
  }),
  // cleanup deletes an artifact and its unpacked files.
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  capability: "network",
  modes: ["worker", "standard", "full"],
  labels: { invoking: "Working on the artifact inbox", invoked: "Inbox updated" },
  async handler(args, context) {
    const roots = realRoots(context.session.scope);
    switch (args.action) {
      case "import_file": {
        const ws = await openWorkspace(context.session.scope, context.app, args.repo_path);
        const file = args.artifact_file;
        const request = { owner: context.session.clientRef, repo: ws.root, label: args.label, signal: context.signal };
        let record: ArtifactRecord;
        if (file?.download_url) {
          record = await importArtifact(context.app, request, {
            url: file.download_url,
            fileName: file.file_name ?? new URL(file.download_url).pathname.split("/").pop() ?? "artifact",
            mimeType: file.mime_type,
            fileId: file.file_id,
          });
        } else if (args.source_path) {
          const source = await ws.guard(args.source_path);
          record = await importArtifact(context.app, request, {
            localPath: source.absolute,
            fileName: file?.file_name ?? source.relative.split("/").pop()!,
            mimeType: file?.mime_type,
          });
        } else {
          throw new PatchbayError("invalid_arguments", "import_file needs artifact_file.download_url or source_path", {
            next: "pass the file the host attached as artifact_file",
          });
        }
        return { text: importedText(record), structured: { action: args.action, artifact: summary(record) } };
      }
      case "list": {
        const records = (await artifactsInScope(context.app.store, roots)).slice(0, args.max_entries ?? 100);
        const text = records.length
          ? records.map((record) => `- ${record.id} ${record.file_name} (${record.bytes} bytes)${record.label ? ` "${record.label}"` : ""}`).join("\n")
          : "The inbox is empty.";
        return { text, structured: { action: args.action, artifacts: records.map(summary) } };
      }
      case "inspect": {
        const record = await findArtifact(context.app.store, requireId(args.artifact_id), roots);
        if (args.view === "tree") {
          const limit = args.max_entries ?? 1000;
          const shown = record.files.slice(0, limit);
          const more = record.files.length > shown.length ? `\n… ${record.files.length - shown.length} more (raise max_entries)` : "";
          const heading = record.unpacked ? `${record.file_name}, unpacked (${record.files.length} files, ${record.unpacked_bytes ?? 0} bytes):\n` : "";
          const text = `${heading}${shown.map((file) => `${file.path} (${file.bytes} bytes)`).join("\n") || "(no files)"}${more}`;
          return {
            text,
            structured: {
              action: args.action,
              artifact: {
                id: record.id,
                unpacked: record.unpacked,
                files: shown,
                file_count: record.files.length,
                ...(record.unpacked_folders && { folders: record.unpacked_folders.slice(0, limit) }),
              },
            },
          };
        }
        if (args.view === "raw_manifest")
          return { text: JSON.stringify(summary(record, 1000), null, 2), structured: { action: args.action, artifact: summary(record, 1000) } };
        if (args.view === "file") {
          const name = args.file_path ?? record.files[0]?.path;
          const entry = record.files.find((file) => file.path === name);
          if (!entry)
            throw new PatchbayError("not_found", name === undefined ? `${record.id} has no files` : `${name} is not a file of ${record.id}`, {
              next: "see view=tree",
            });
          const { bytes, size } = await readHead(
            join(artifactFilesRoot(context.app.home, record), entry.path),
            Math.min(args.max_bytes ?? MAX_FILE_BYTES, MAX_FILE_BYTES),
          );
          const content = bytes.includes(0) ? `(binary, ${size} bytes)` : bytes.toString("utf8");
          return {
            text: content,
            structured: { action: args.action, artifact: { id: record.id, file_path: entry.path, bytes: size, truncated: size > bytes.length }, content },
          };
        }
        return {
          text:
            `${record.id}: ${record.file_name}, ${record.bytes} bytes, sha256 ${record.sha256}` +
            `${record.unpacked ? `; unpacked to ${record.files.length} files (${record.unpacked_bytes ?? 0} bytes), see view=tree` : ""}`,
          structured: { action: args.action, artifact: summary(record) },
        };
      }
      case "cleanup": {
        const record = await findArtifact(context.app.store, requireId(args.artifact_id), roots);
        checkOwnership(record.owner, context.session.clientRef, args, `artifact ${record.id}`, "codex_worker_inbox");
        await rm(join(context.app.home, "artifacts", record.id), { recursive: true, force: true });
        await context.app.store.remove("artifact", record.id);
        return { text: `Removed ${record.id} from the inbox (copies already in worktrees stay).`, structured: { action: args.action, removed: true } };
      }
    }
  },
});

function requireId(id: string | undefined): string {
  if (!id) throw new PatchbayError("invalid_arguments", "artifact_id: required for this action", { next: "list the inbox with action=list" });
  return id;
}

export const workerOptionsTool = defineTool({
  name: "codex_worker_options",
  title: "Worker options",
  description: "The models and reasoning efforts workers can use, per agent.",
  input: v.strictObject({
    model: v.optional(v.pipe(v.string(), v.maxLength(160), v.description("Only this model."))),
    max_models: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100), v.description("Per agent (default 20)."))),
    include_model_details: v.optional(v.pipe(v.boolean(), v.description("Add display names and descriptions."))),
  }),
  output: v.object({
    agents: v.array(v.object({ agent: v.string(), source: v.string(), models: v.array(v.record(v.string(), v.unknown())), truncated: v.boolean() })),
    reasoning_efforts: v.array(v.string()),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  capability: "read",
  modes: ["worker", "standard", "full"],
  labels: { invoking: "Reading the model menu", invoked: "Model menu ready" },
  async handler(args, context) {
    const agents = await workerOptions(context.app.config, {
      model: args.model,
      maxModels: args.max_models ?? 20,
      details: args.include_model_details ?? false,
    });
    const text = agents.map((menu) => `${menu.agent} (${menu.source}): ${menu.models.map((model) => model.id).join(", ") || "none found"}`).join("\n");
    return {
      text: `${text}\nReasoning efforts: ${REASONING_EFFORTS.join(", ")}`,
      structured: {
        agents: agents.map((menu) => ({ ...menu, models: menu.models.map((model) => ({ ...model })) })),
        reasoning_efforts: [...REASONING_EFFORTS],
      },
    };
  },
});

export const INBOX_TOOLS: readonly ToolDeclaration[] = [workerOptionsTool, workerInbox];
