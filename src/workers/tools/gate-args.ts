/**
 * What worker and job integration share: the run_tests / allow_agent_config / commit arguments,
 * the exec capability both of the first need, and how landed sources are returned.
 */
import * as v from "valibot";
import { envPolicy } from "../../agents/index.ts";
import { PatchbayError } from "../../errors/index.ts";
import { grantsOf, requireCapability } from "../../mcp/capability.ts";
import type { Escalation, ToolContext } from "../../mcp/tool.ts";
import type { LandedItem, LandOptions } from "../land.ts";
import { integrationTestSettings } from "../test-gate.ts";

export const gateArgs = {
  run_tests: v.optional(v.pipe(v.boolean(), v.description("Land only if the repository's tests pass in a scratch worktree first."))),
  allow_agent_config: v.optional(
    v.pipe(v.boolean(), v.description("Also land changes to configuration that runs programs (.claude/, .mcp.json, git hooks, …).")),
  ),
  commit: v.optional(v.pipe(v.boolean(), v.description("Commit what lands, with message (default: no commit)."))),
  message: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(2000), v.description("Commit message."))),
};

interface GateArgs {
  run_tests?: boolean;
  allow_agent_config?: boolean;
  commit?: boolean;
  message?: string;
  allow_dirty_base?: boolean;
}

/**
 * Asking for tests asks to run the repository's commands, and landing agent configuration makes
 * the user's agents run what it names (src/workspace/agent-config.ts): the exec capability,
 * checked before anything runs.
 */
export const gateEscalation: Escalation<GateArgs> = {
  capability: "exec",
  when: "run_tests: true (or workers.integrate_requires_tests when run_tests is left out), or allow_agent_config: true",
  applies: (args) => args.run_tests === true || args.allow_agent_config === true,
};

const testsSchema = v.object({
  passed: v.boolean(),
  commands: v.array(v.object({ command: v.string(), exit_code: v.nullable(v.number()), timed_out: v.boolean(), duration_ms: v.number() })),
  log: v.string(),
});

export const landedSchema = v.object({
  name: v.string(),
  files: v.array(v.string()),
  skipped_files: v.array(v.string()),
  base_moved: v.boolean(),
  patch_sha256: v.string(),
  patch_bytes: v.number(),
  tests: v.optional(testsSchema),
  commit: v.optional(v.string()),
});

export const stoppedSchema = v.object({ name: v.string(), code: v.string(), message: v.string(), files: v.array(v.string()) });

/**
 * How this call lands: tests or not (the argument, else the operator's default; the exec
 * capability either way), the commit message, and where scratch worktrees and logs go.
 */
export async function landOptions(context: Pick<ToolContext, "app" | "session" | "signal">, repo: string, args: GateArgs): Promise<LandOptions> {
  const { app } = context;
  if (args.commit && !args.message)
    throw new PatchbayError("invalid_arguments", "commit=true needs a message", { next: "pass message with the commit message" });
  if (args.message && !args.commit)
    throw new PatchbayError("invalid_arguments", "message is the commit message; pass commit=true with it", { next: "add commit=true, or leave message out" });
  const runTests = args.run_tests ?? app.config.workers.integrate_requires_tests;
  if (runTests)
    requireCapability(
      "exec",
      grantsOf(context.session, context),
      "running the test commands (workers.integrate_requires_tests asks for it)",
      "pass run_tests=false",
    );
  return {
    repo,
    allowDirtyBase: args.allow_dirty_base ?? false,
    allowAgentConfig: args.allow_agent_config === true,
    ...(runTests && { tests: await integrationTestSettings(app.home, repo) }),
    ...(args.commit && args.message && { commitMessage: args.message }),
    home: app.home,
    worktreeRoot: app.config.workers.worktree_root || `${app.home}/worktrees`,
    policy: envPolicy(app.config),
    redact: (text) => app.redact(text) as string,
    signal: context.signal,
  };
}

/** One landed source in words: files, tests, commit. */
export function landedLine(landed: LandedItem): string {
  const tests = landed.tests ? `; tests passed (${landed.tests.commands.map((run) => `\`${run.command}\` ${run.duration_ms} ms`).join(", ")})` : "";
  const commit = landed.commit ? `; committed ${landed.commit.slice(0, 12)}` : "; not committed";
  return `${landed.name}: ${landed.files.join(", ")}${tests}${commit}`;
}
