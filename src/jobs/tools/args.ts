/**
 * The arguments the job tools share (the original PatchBay's job options plus `agent`), and turning them into a
 * checked job spec: add_dirs inside the allowed roots, config overrides by allowed prefix, the
 * sandbox bypass only when the config allows it, and agent capabilities checked up front.
 */
import * as v from "valibot";
import type { AgentAdapter } from "../../agents/types.ts";
import { type ErrorCode, PatchbayError } from "../../errors/index.ts";
import type { Escalation, ToolContext } from "../../mcp/tool.ts";
import { repoPathArg, unlisted } from "../../mcp/tool-args.ts";
import { openWorkspace } from "../../workspace/index.ts";
import type { JobAccess } from "../record.ts";
import type { JobSpec } from "../runtime.ts";

export const jobIdArg = v.pipe(v.string(), v.maxLength(64), v.description("The job_id a job tool returned."));
export { repoPathArg };
export const agentArg = v.optional(
  v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_-]{0,63}$/), v.description("codex, claude, gemini, mock, or one from [agents].")),
  "codex",
);
export const specArg = v.pipe(v.string(), v.minLength(1), v.maxLength(200_000), v.description("The task (not stored)."));
/** A model id for an agent turn, described for the tool that takes it. */
export const modelIdArg = (description: string) =>
  v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9._:/+-]{0,159}$/, "a model id such as gpt-5.5 or sonnet"), v.description(description)));
export const modelArg = modelIdArg("A model id.");
export const effortArg = v.optional(v.picklist(["minimal", "low", "medium", "high", "xhigh"]));
export const overridesArg = v.optional(
  v.pipe(v.array(v.pipe(v.string(), v.maxLength(1000))), v.maxLength(50), v.description("key=value agent config overrides (allowed prefixes only).")),
);
export const waitArg = v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(60), v.description("Seconds to wait for the turn to end.")));

const opt = <S extends v.GenericSchema>(schema: S, description: string) => v.optional(v.pipe(schema, v.description(description)));

/** The original PatchBay's job options. Options no adapter can pass on are refused when set, not silently dropped. */
export const agentOptions = {
  agent: agentArg,
  model: modelArg,
  reasoning_effort: effortArg,
  sandbox: opt(v.picklist(["read-only", "workspace-write", "danger-full-access"]), "danger-full-access needs security.allow_dangerously_bypass."),
  dangerously_bypass: opt(v.boolean(), "Bypass sandbox and approvals (needs security.allow_dangerously_bypass)."),
  add_dirs: opt(v.pipe(v.array(v.string()), v.maxLength(20)), "Extra writable directories inside the allowed roots."),
  config_overrides: overridesArg,
  output_schema: opt(v.record(v.string(), v.unknown()), "JSON Schema for the final answer."),
  structured_output: opt(v.boolean(), "Ask for patchbay's structured report."),
  // The original's options that patchbay refuses or ignores: accepted, not advertised.
  images: unlisted(v.array(v.string()), "Not supported yet (refused when set)."),
  search: unlisted(v.boolean(), "Not supported yet (refused when set)."),
  features: unlisted(v.object({ enable: v.optional(v.array(v.string())), disable: v.optional(v.array(v.string())) }), "Not supported yet (refused when set)."),
  profile: unlisted(v.string(), "Not supported yet (refused when set)."),
  approval_policy: unlisted(v.picklist(["untrusted", "on-failure", "on-request", "never"]), "Ignored: agents run without interactive approvals."),
  network: unlisted(v.boolean(), "Ignored (compatibility)."),
  full_auto: unlisted(v.boolean(), "Ignored (codex removed --full-auto)."),
  json_events: unlisted(v.boolean(), "Ignored: the event stream is always read."),
};

export type AgentOptions = { [K in keyof typeof agentOptions]?: v.InferOutput<(typeof agentOptions)[K]> };

/** The structured report the original PatchBay asked codex for. */
export const STANDARD_OUTPUT_SCHEMA: Record<string, unknown> = {
  type: "object",
  additionalProperties: false,
  required: ["summary", "files_changed", "commands_run", "tests_run", "notes", "next_steps"],
  properties: {
    summary: { type: "string" },
    files_changed: { type: "array", items: { type: "string" } },
    commands_run: { type: "array", items: { type: "string" } },
    tests_run: { type: "array", items: { type: "string" } },
    notes: { type: "string" },
    next_steps: { type: "array", items: { type: "string" } },
  },
};

function refuse(code: ErrorCode, message: string, next: string): never {
  throw new PatchbayError(code, message, { next });
}

function assertSupportedOptions(options: AgentOptions): void {
  const unsupported = [
    options.images?.length && "images",
    options.search && "search",
    (options.features?.enable?.length || options.features?.disable?.length) && "features",
    options.profile && "profile",
  ].filter(Boolean);
  if (unsupported.length) refuse("unsupported_option", `${unsupported.join(", ")}: not supported by patchbay's agent adapters yet`, "leave these options out");
}

/** Each override as `key=value` with a key under an allowed prefix. */
export function checkOverrides(overrides: readonly string[] | undefined, prefixes: readonly string[]): string[] | undefined {
  if (!overrides?.length) return undefined;
  for (const override of overrides) {
    const key = override.split("=")[0]!.trim();
    if (!override.includes("=") || !key)
      refuse("invalid_arguments", `config_overrides: ${JSON.stringify(override)} is not key=value`, 'pass overrides such as model_verbosity="low"');
    if (!prefixes.some((prefix) => prefix !== "" && key.startsWith(prefix))) {
      refuse(
        "config_override_refused",
        `config_overrides: ${key} is not under security.allowed_config_override_prefixes (${prefixes.join(", ") || "none allowed"})`,
        "leave it out, or add its prefix to security.allowed_config_override_prefixes",
      );
    }
  }
  return [...overrides];
}

/** The access a sandbox name gives, and whether it bypasses the agent's sandbox. */
export function accessFor(sandbox: AgentOptions["sandbox"], fallback: JobAccess): JobAccess {
  if (sandbox === undefined) return fallback;
  return sandbox === "read-only" ? "read_only" : "write";
}

/**
 * The checked parts of a job spec that come from the shared options.
 *
 * @example
 * const parts = await checkedOptions(context, adapter, args, { resume: false });
 */
export async function checkedOptions(
  context: Pick<ToolContext, "app" | "session">,
  adapter: AgentAdapter,
  options: AgentOptions,
  needs: { resume: boolean },
): Promise<Partial<JobSpec>> {
  assertSupportedOptions(options);
  const { security } = context.app.config;
  const bypass = options.dangerously_bypass === true || options.sandbox === "danger-full-access";
  if (bypass && !security.allow_dangerously_bypass) {
    refuse(
      "bypass_not_allowed",
      "dangerously_bypass / danger-full-access is turned off by security.allow_dangerously_bypass",
      "run without it, or turn on security.allow_dangerously_bypass in config.toml",
    );
  }
  const outputSchema = options.output_schema ?? (options.structured_output ? STANDARD_OUTPUT_SCHEMA : undefined);
  if (outputSchema && !adapter.capabilities.outputSchema)
    refuse(
      "unsupported_by_agent",
      `the ${adapter.name} agent cannot follow an output schema`,
      "leave out output_schema and structured_output, or use an agent that supports them (codex)",
    );
  if (needs.resume && !adapter.capabilities.resume)
    refuse(
      "unsupported_by_agent",
      `the ${adapter.name} agent cannot resume a session`,
      "start a new job instead, or use an agent that can resume (codex, claude, gemini)",
    );
  const addDirs: string[] = [];
  // openWorkspace, like every tool path: an extra writable directory is never $PATCHBAY_HOME.
  for (const dir of options.add_dirs ?? []) addDirs.push((await openWorkspace(context.session.scope, context.app, dir)).root);
  return {
    model: options.model,
    reasoningEffort: options.reasoning_effort,
    addDirs: addDirs.length ? addDirs : undefined,
    configOverrides: checkOverrides(options.config_overrides, security.allowed_config_override_prefixes),
    outputSchema,
    dangerouslyBypass: bypass || undefined,
  };
}

/** A job that asks to leave the agent's sandbox needs the operator's `unsandboxed` capability. */
const bypassEscalation: Escalation<{ sandbox?: string; dangerously_bypass?: boolean }> = {
  capability: "unsandboxed",
  when: "dangerously_bypass or sandbox danger-full-access",
  applies: (args) => args.dangerously_bypass === true || args.sandbox === "danger-full-access",
};

/** The capabilities of a tool that starts an agent turn with `agentOptions`: they come together, so no such tool forgets the bypass. */
export const STARTS_AGENT_TURN = { capability: "write_worktree", escalate: bypassEscalation } as const;
