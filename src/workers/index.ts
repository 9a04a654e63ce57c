/**
 * Workers: named, durable agent colleagues. Each has its own record (owner, session, worktree,
 * reports); its turns are jobs of the server's job runtime. Peer context passes reports and
 * diffs between them, integration carries an isolated worker's changes to the base checkout,
 * and the artifact inbox takes files a host generated.
 */
import type { ToolDeclaration } from "../mcp/tool.ts";
import { INBOX_TOOLS } from "./tools/inbox.ts";
import { INSPECT_TOOLS } from "./tools/inspect.ts";
import { TEAM_TOOLS } from "./tools/team.ts";

export const WORKER_TOOLS: readonly ToolDeclaration[] = [...INBOX_TOOLS, ...TEAM_TOOLS, ...INSPECT_TOOLS];

export { type WorkerRecord, type WorkerState, type WorkspaceMode, WORKSPACE_MODES, workerState } from "./record.ts";
export type { ArtifactRecord } from "./artifacts.ts";
export { type IntegrationPreview, MAX_PATCH_BYTES, REFUSAL_CODES } from "./integrate.ts";
export { assemblePrompt, PEER_LIMITS, REPORT_GUIDANCE } from "./prompt.ts";
export { parseCodexModels } from "./options.ts";
export { workerView, type WorkerView } from "./tools/view.ts";
