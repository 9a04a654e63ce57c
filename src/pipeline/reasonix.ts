/**
 * The write and fix phases on provider `reasonix_cli`: one ACP writer turn of `reasonix acp` in
 * the run's worktree. reasonix answers permission requests through patchbay's policy (no shell;
 * edits and reads only on safe paths inside the worktree); every decision is logged with the run.
 */
import { appendFile } from "node:fs/promises";
import { REASONIX, reasonixAcpArgs, runAcpWriter } from "../agents/acp/index.ts";
import { turnLimits } from "../jobs/index.ts";
import { turnSignal } from "../usage/index.ts";
import { guardPath } from "../workspace/index.ts";
import { type AgentTurnOutcome, type AgentTurnRequest, directAccount, type PipelineEnv, phaseProgress } from "./agent.ts";

export async function runReasonixWriter(request: AgentTurnRequest, env: PipelineEnv, agentEnv: Record<string, string>): Promise<AgentTurnOutcome> {
  const { resolved } = request;
  const account = await directAccount(request, env, "reasonix");
  const signal = turnSignal(account, env.signal);
  const progress = phaseProgress(env);
  const result = await runAcpWriter({
    executable: resolved.executable ?? REASONIX.defaultCommand,
    args: reasonixAcpArgs(resolved.model),
    cwd: request.cwd,
    prompt: request.prompt,
    ...(resolved.model && { model: resolved.model }),
    env: agentEnv,
    ...turnLimits(env.config, resolved.timeoutMs),
    ...(signal && { signal }),
    transcriptPath: `${request.logFile.replace(/\.log$/, "")}.reasonix.jsonl`,
    redact: env.redact,
    checkPath: async (worktree, path) => (await guardPath(worktree, path, { blockedGlobs: env.config.repositories.blocked_globs })).relative,
    onEvent: (event) => {
      if (event.type === "usage") account?.observe(event.usage);
      progress(event);
    },
    onStderr: (chunk) => void appendFile(request.logFile, env.redact(chunk.replace(/^/gm, "[stderr] "))).catch(() => {}),
  });
  await account?.close(result.usage);
  const error = account?.stopReason() ?? result.error;
  const decisions = result.permissions.map((p) => `permission ${p.decision}: ${p.kind ?? "?"} ${p.tool ?? ""} ${p.reason}`.trim());
  if (decisions.length > 0) await appendFile(request.logFile, `${env.redact(decisions.join("\n"))}\n`);
  return {
    ok: result.status === "succeeded" && !account?.stopReason(),
    finalMessage: result.finalMessage ?? "",
    ...(error && { error: env.redact(error) }),
    exitCode: result.exit.code,
    ...(result.usage && { usage: result.usage }),
  };
}
