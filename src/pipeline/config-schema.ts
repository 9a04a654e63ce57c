/**
 * The one schema of `.ai/patchbay.toml`: phases, providers, workflow, and the legacy `[models]`,
 * `[commands]`, `[writer]` and `[test]` tables of ai-flow, which load as defaults under the new keys.
 */
import * as v from "valibot";
import { REASONIX } from "../agents/acp/index.ts";
import { AGENTS, agentClis, pipelineProvider } from "../agents/index.ts";

export const AGENT_PHASES = ["plan", "write", "review", "fix"] as const;
export type AgentPhase = (typeof AGENT_PHASES)[number];

/**
 * One provider per built-in agent of the registry, in the order menus offer them: the agent CLIs (`codex_cli`, …),
 * reasonix's ACP writer, then the agents that call no model (`mock`), so a test agent is offered last.
 */
export const BUILTIN_PROVIDERS: readonly string[] = [
  ...agentClis().map(pipelineProvider),
  REASONIX.provider,
  ...Object.values(AGENTS)
    .filter((adapter) => !agentClis().includes(adapter))
    .map(pipelineProvider),
];

export const PROVIDER_PROMPT_MODES = ["stdin", "arg", "file"] as const;
/** How a custom provider's stdout is read; `diff` means it prints a patch for the worktree. */
export const PROVIDER_OUTPUT_CONTRACTS = ["text", "json", "jsonl", "diff"] as const;
export type ProviderOutputContract = (typeof PROVIDER_OUTPUT_CONTRACTS)[number];

/**
 * The original ai-flow contracts, read as today's: a printed diff (BEGIN_DIFF…END_DIFF) is `diff`;
 * a writer that edits its worktree, a plan (its BEGIN_AI_FLOW_PLAN_JSON block gives the scope) and
 * a verdict (PASS or CHANGES_REQUESTED first) are all read from the text.
 */
export const LEGACY_OUTPUT_CONTRACTS: Record<string, ProviderOutputContract> = {
  writer_diff: "diff",
  worktree_diff: "text",
  plan_json: "text",
  review_verdict: "text",
};

/** Every output_contract value accepted: today's and the original's. */
export const OUTPUT_CONTRACT_NAMES = [...PROVIDER_OUTPUT_CONTRACTS, ...Object.keys(LEGACY_OUTPUT_CONTRACTS)] as [string, ...string[]];

/** Today's contract for any accepted name. */
export function outputContract(name: string): ProviderOutputContract {
  return LEGACY_OUTPUT_CONTRACTS[name] ?? (name as ProviderOutputContract);
}

const PROVIDER_ID = /^[a-z][a-z0-9_-]{0,31}$/;
const MODEL = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$/;

const unknownKey = (issue: v.StrictObjectIssue) => (issue.expected === "never" ? "unknown key" : "expected a table");
const text = (what: string) => v.string(`expected ${what}`);
const strings = (what: string) => v.array(v.string(), `expected ${what}`);
const model = v.pipe(text("a model id"), v.regex(MODEL, "expected a model id (letters, digits, . _ : / @ -)"));
const positive = (what: string) => v.pipe(v.number(`expected ${what}`), v.integer(`expected ${what}`), v.minValue(1, `expected ${what}`));

const agentPhase = v.strictObject(
  {
    provider: v.optional(text("a provider id")),
    model: v.optional(model),
    /** A key of [commands] naming the executable. */
    command_key: v.optional(text("a key of [commands]")),
    /** The executable itself (a name on PATH or an absolute path). */
    command: v.optional(text("an executable name or absolute path")),
    env: v.optional(v.record(v.string(), v.string(), "expected a table of strings")),
    /** Seconds before the agent turn is stopped. */
    timeout: v.optional(positive("a number of seconds >= 1")),
  },
  unknownKey,
);

const testPhase = v.strictObject(
  {
    commands: v.optional(strings("a list of command lines"), []),
    timeout: v.optional(positive("a number of seconds >= 1"), 900),
  },
  unknownKey,
);

// apply runs git, never an agent: any key here is a mistake worth naming.
const applyPhase = v.strictObject({}, (issue) =>
  issue.expected === "never"
    ? `phase "apply" does not take a provider, model or command (got ${String(issue.path?.at(-1)?.key)}); it applies FINAL.diff with git`
    : "expected a table",
);

const provider = v.strictObject(
  {
    roles: v.array(v.picklist(AGENT_PHASES, `expected roles among ${AGENT_PHASES.join(", ")}`)),
    command: v.pipe(text("an executable name or absolute path"), v.minLength(1, "expected an executable name or absolute path")),
    args: v.optional(strings("a list of strings"), []),
    prompt_mode: v.optional(v.picklist(PROVIDER_PROMPT_MODES, `expected one of ${PROVIDER_PROMPT_MODES.join(", ")}`), "stdin"),
    output_contract: v.pipe(
      v.optional(v.picklist(OUTPUT_CONTRACT_NAMES, `expected one of ${OUTPUT_CONTRACT_NAMES.join(", ")}`), "text"),
      v.transform(outputContract),
    ),
    env: v.optional(v.record(v.string(), v.string(), "expected a table of strings"), {}),
    /** Variables of patchbay's environment the provider needs (names and PREFIX_* globs); security.denied_env_keys still wins. */
    pass_env: v.optional(strings("a list of variable names or PREFIX_* globs"), []),
  },
  unknownKey,
);

const providers = v.pipe(
  v.record(v.string(), provider, "expected tables [providers.<id>]"),
  v.check((input) => Object.keys(input).every((id) => PROVIDER_ID.test(id)), "provider ids match ^[a-z][a-z0-9_-]{0,31}$"),
  v.check(
    (input) => Object.keys(input).every((id) => !(BUILTIN_PROVIDERS as readonly string[]).includes(id)),
    `custom provider ids may not reuse a built-in id (${BUILTIN_PROVIDERS.join(", ")})`,
  ),
);

export const pipelineConfigSchema = v.looseObject({
  phases: v.optional(
    v.strictObject(
      {
        plan: v.optional(agentPhase, {}),
        write: v.optional(agentPhase, {}),
        review: v.optional(agentPhase, {}),
        fix: v.optional(agentPhase, {}),
        test: v.optional(testPhase, {}),
        apply: v.optional(applyPhase, {}),
      },
      (issue) =>
        issue.expected === "never" ? `unknown phase ${String(issue.path?.at(-1)?.key)} (phases: plan, write, test, review, fix, apply)` : "expected a table",
    ),
    {},
  ),
  providers: v.optional(providers, {}),
  workflow: v.optional(
    v.looseObject({
      require_plan_approval: v.optional(v.boolean("expected true or false"), true),
      /** Relative to the repository; default .ai/worktrees. */
      worktree_root: v.optional(text("a directory"), ".ai/worktrees"),
      branch_prefix: v.optional(text("a branch prefix"), "patchbay"),
      max_fix_rounds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0, "expected an integer >= 0")), 2),
      allow_apply_without_tests: v.optional(v.boolean("expected true or false"), false),
    }),
    {},
  ),
  // Legacy ai-flow tables: read as defaults for the keys above.
  models: v.optional(v.looseObject({ planner: v.optional(model), writer: v.optional(model), reviewer: v.optional(model), fixer: v.optional(model) }), {}),
  commands: v.optional(v.record(v.string(), v.string(), "expected a table of executables"), {}),
  writer: v.optional(
    v.looseObject({ provider: v.optional(text("a provider id")), max_repair_iterations: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))) }),
    {},
  ),
  test: v.optional(v.looseObject({ commands: v.optional(strings("a list of command lines")) }), {}),
});

export type PipelineConfigFile = v.InferOutput<typeof pipelineConfigSchema>;
export type CustomProvider = v.InferOutput<typeof provider>;
