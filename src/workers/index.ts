/**
 * Workers: named, durable agent colleagues. Each has its own record (owner, session, worktree,
 * reports); its turns are jobs of the server's job runtime. Peer context passes reports and
 * diffs between them, integration carries an isolated worker's changes to the base checkout,
 * and the artifact inbox takes files a host generated.
 */
export { type WorkerRecord, type WorkerState, type WorkspaceMode, WORKSPACE_MODES, workerState } from "./record.ts";
export type { ArtifactRecord } from "./artifacts.ts";
export { type IntegrationPreview, MAX_PATCH_BYTES, REFUSAL_CODES } from "./integrate.ts";
export { assemblePrompt, PEER_LIMITS, REPORT_GUIDANCE } from "./prompt.ts";
export { parseCodexModels } from "./options.ts";
