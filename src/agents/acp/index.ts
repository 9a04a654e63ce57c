/**
 * The ACP (Agent Client Protocol) client: newline-delimited JSON-RPC over an agent's stdio, the
 * writer permission policy, and `runAcpWriter`, one writer turn of `reasonix acp` (provider
 * `reasonix_cli`).
 *
 * @example
 * const result = await runAcpWriter({ executable: "reasonix", args: reasonixAcpArgs(model), cwd: worktree, prompt,
 *   env, timeoutMs, idleTimeoutMs, killGraceMs, transcriptPath: `${runDir}/writer.reasonix.jsonl`, checkPath });
 */
export { ConnectionClosed, JsonRpcConnection, RpcFailure, RpcRemoteError } from "./connection.ts";
export { decidePermission, type PathCheck, type PermissionDecision, type PermissionOutcome, type PermissionRecord, pathsOf, unsafePath } from "./policy.ts";
export { ACP_PROTOCOL_VERSION, type AcpWriterOptions, type AcpWriterResult, REASONIX, reasonixAcpArgs, runAcpWriter } from "./writer.ts";
