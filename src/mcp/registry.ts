import * as v from "valibot";
import { toStandardJsonSchema } from "@valibot/to-json-schema";
import type { CallToolResult, Tool } from "@modelcontextprotocol/server";
import { PatchbayError } from "../errors/index.ts";
import type { ArgumentAliases, ObjectSchema, ToolContext, ToolDeclaration, ToolMode } from "./tool.ts";
import { UNLISTED } from "./tool-args.ts";
import { type SessionState, sessionRepository } from "./session.ts";
import { errorResult, successResult } from "./result.ts";
import { WIDGET_URI } from "./widget.ts";
import { CAPABILITY_RULES, grantsOf, howToAllow, isCapability, type Capability, type Grants } from "./capability.ts";
import { renameArguments } from "./argument-aliases.ts";
import { describeArgumentIssues, type ListedArguments } from "./argument-issues.ts";
import { asModelsMeanThem } from "./model-arguments.ts";
import { createSessionHandleBook, hideLocalDetails, isRemote, localRewrites, resolveSessionHandles, type SessionHandleBook } from "./local-details.ts";

type JsonObject = Record<string, unknown>;

/** One name in the catalog: a canonical tool or one of its aliases, with schemas converted once. */
export interface CatalogEntry {
  name: string;
  declaration: ToolDeclaration;
  /** Set for aliases: the canonical tool this name resolves to. */
  canonical?: string;
  input: ObjectSchema;
  mapArgs?: (args: JsonObject) => JsonObject;
  /** Other names of this entry's arguments, renamed before validation. */
  argumentAliases: ArgumentAliases;
  /** What tools/list shows for it, made on its first listing: a start converts no schema, and a mode lists only its own. */
  readonly descriptor: Tool;
}

export interface ToolRegistry {
  /** Every name, canonical and alias, sorted: the order of every `tools/list`. */
  readonly entries: readonly CatalogEntry[];
  list(session: SessionState): Tool[];
  /** Names in a mode, ignoring capabilities (for docs/tools.md). */
  namesIn(mode: ToolMode): string[];
  /** Names a session sees in its mode, or in another one: capabilities applied. */
  namesFor(session: SessionState, mode?: ToolMode): string[];
  /** `undefined` when no tool of that name exists at all (a protocol error, not a tool error). */
  call(name: string, args: unknown, context: ToolContext): Promise<CallToolResult> | undefined;
  /** Whether the tool's text carries all a model needs of its result (ToolDeclaration.textCarriesAll). */
  textCarriesAll(name: string): boolean;
}

// `$schema` is left out: MCP reads a schema without one as draft 2020-12, and the same 50 bytes in
// every tool cost every model's context. A schema that cannot become JSON Schema fails the listing
// that shows it; tests/mcp/registry.test.ts converts every name of the catalog.
function inputJsonSchema(schema: ObjectSchema, tool: string): JsonObject {
  try {
    const standard = toStandardJsonSchema(schema)["~standard"];
    const { $schema: _dialect, ...json } = standard.jsonSchema.input({ target: "draft-2020-12" }) as JsonObject;
    return json;
  } catch (error) {
    throw new PatchbayError("tool_schema_invalid", `tool ${tool}: its input schema cannot become JSON Schema: ${(error as Error).message}`, {
      next: "use only JSON-representable valibot schemas (no v.date, v.custom or non-object roots)",
    });
  }
}

/**
 * Schema keywords tools/list leaves out, since every host puts the schemas into its model's context.
 * Length and item caps, name patterns, lower bounds (a count of at least 1, a wait of at least 0:
 * the floor a model picks anyway) and additionalProperties guard the server, which still enforces
 * them (a refusal names the argument and the rule); no model needs them to call a tool right.
 * Upper bounds stay: a model could ask for more than a tool gives.
 */
const SERVER_ONLY = new Set(["maxLength", "minLength", "maxItems", "minItems", "minimum", "additionalProperties", "pattern", UNLISTED]);
/** An alias lists its arguments' names, types and which are required; its canonical tool's schema describes and bounds them. */
const ALIAS_OMITS = new Set([...SERVER_ONLY, "description", "default", "maximum"]);

/** An argument marked unlisted (accepted for old prompts, ignored or refused when set) is left out of the listing. */
function isUnlisted(schema: unknown): boolean {
  return typeof schema === "object" && schema !== null && UNLISTED in schema;
}

function listedSchema(schema: unknown, omit: ReadonlySet<string>, inProperties = false): unknown {
  if (Array.isArray(schema)) return schema.map((item) => listedSchema(item, omit));
  if (!schema || typeof schema !== "object") return schema;
  return Object.fromEntries(
    Object.entries(schema)
      // Under `properties` the keys are argument names, kept unless unlisted; an empty `required` says nothing.
      .filter(([key, value]) => (inProperties ? !isUnlisted(value) : !(omit.has(key) || (key === "required" && Array.isArray(value) && value.length === 0))))
      .map(([key, value]) => [key, listedSchema(value, omit, !inProperties && key === "properties")]),
  );
}

/** No authentication per tool: the connection's bearer token (or OAuth grant) is the gate. ChatGPT reads it top-level, older clients in `_meta`. */
const SECURITY_SCHEMES = [{ type: "noauth" }];

/**
 * What tools/list shows for one name. Every host puts this into its model's context, so it carries
 * only what a model or host reads: no output schema (results still carry structuredContent, which
 * the widget reads, except where host-result.ts leaves it out for a host that would show it to
 * its model in place of the text; no host needs the schema to use it, and the SDK's result
 * projection needs it only for non-object results, which no tool has), and an alias points at its
 * canonical tool instead of repeating its description.
 */
function describe(declaration: ToolDeclaration, name: string, input: ObjectSchema, canonical?: string): Tool {
  const labels = declaration.labels ?? { invoking: `Running ${declaration.title}`, invoked: `${declaration.title} done` };
  return {
    // Not in the SDK's Tool type yet; its tools/list result keeps unknown keys.
    ...({ securitySchemes: SECURITY_SCHEMES } as Partial<Tool>),
    name,
    title: canonical ? `${declaration.title} (alias)` : declaration.title,
    description: canonical ? `Alias of ${canonical}.` : declaration.description,
    inputSchema: listedSchema(inputJsonSchema(input, name), canonical ? ALIAS_OMITS : SERVER_ONLY) as Tool["inputSchema"],
    annotations: { title: declaration.title, ...declaration.annotations },
    _meta: {
      securitySchemes: SECURITY_SCHEMES,
      ui: { resourceUri: WIDGET_URI },
      "openai/outputTemplate": WIDGET_URI,
      "openai/toolInvocation/invoking": labels.invoking,
      "openai/toolInvocation/invoked": labels.invoked,
      ...(canonical && { "patchbay/canonicalTool": canonical }),
      ...declaration.meta,
    },
  };
}

function entriesOf(declaration: ToolDeclaration): CatalogEntry[] {
  let described: Tool | undefined;
  const canonical: CatalogEntry = {
    name: declaration.name,
    declaration,
    input: declaration.input,
    argumentAliases: declaration.argumentAliases ?? {},
    get descriptor() {
      return (described ??= describe(declaration, declaration.name, declaration.input));
    },
  };
  const aliases = (declaration.aliases ?? []).map((alias): CatalogEntry => {
    const input = alias.input ?? declaration.input;
    let aliasDescribed: Tool | undefined;
    return {
      name: alias.name,
      declaration,
      canonical: declaration.name,
      input,
      mapArgs: alias.mapArgs,
      // An alias takes its tool's other argument names too, and its own.
      argumentAliases: { ...declaration.argumentAliases, ...alias.argumentAliases },
      get descriptor() {
        return (aliasDescribed ??= describe(declaration, alias.name, input, declaration.name));
      },
    };
  });
  return [canonical, ...aliases];
}

function inMode(entry: CatalogEntry, mode: ToolMode): boolean {
  if (entry.canonical && mode !== "full") return false;
  return entry.declaration.modes.includes(mode);
}

/**
 * Added to a session in its unchosen default mode by its repository (alsoByDefault). Aliases of
 * such a tool answer calls (prompts written for the original names keep working) but are not
 * listed, so the catalog grows only by the canonical tools.
 */
type AddedByRepository = (entry: CatalogEntry) => boolean;

/**
 * addedByRepository for one listing or call: each alsoByDefault question (they look at the disk:
 * the pipeline tools share one, two `stat`s) is asked once, not once per tool.
 */
function addedByRepositoryOf(session: SessionState): AddedByRepository {
  const repo = session.modeIsDefault ? sessionRepository(session.scope) : undefined;
  if (repo === undefined) return () => false;
  const answers = new Map<(repo: string) => boolean, boolean>();
  return (entry) => {
    const asks = entry.declaration.alsoByDefault;
    if (!asks) return false;
    let answer = answers.get(asks);
    if (answer === undefined) answers.set(asks, (answer = asks(repo)));
    return answer;
  };
}

function inCatalog(entry: CatalogEntry, session: SessionState, listing: boolean, added: AddedByRepository): boolean {
  return inMode(entry, session.mode) || (!(listing && entry.canonical) && added(entry));
}

/** A session opened with an agent's messaging token (principal `agent:NAME@NS`). */
function isAgentSession(session: SessionState): boolean {
  return session.principal.startsWith("agent:");
}

function isVisible(entry: CatalogEntry, session: SessionState, grants: Grants, added: AddedByRepository): boolean {
  if (isAgentSession(session) && !entry.declaration.forAgents) return false;
  return inCatalog(entry, session, true, added) && CAPABILITY_RULES[entry.declaration.capability].allowed(grants);
}

/** The refusal for a capability the operator did not allow, or undefined when it is allowed. */
function capabilityRefusal(tool: string, capability: Capability, grants: Grants): PatchbayError | undefined {
  const rule = CAPABILITY_RULES[capability];
  if (rule.allowed(grants)) return undefined;
  return new PatchbayError("tool_disabled", `${tool} is turned off by the setting ${rule.setting}: it needs the capability "${capability}" (${rule.meaning})`, {
    next: howToAllow(capability),
    details: { capability, setting: rule.setting },
  });
}

/** Names each part of a result that breaks its output schema: a defect of the tool, for its developer. */
function outputIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues.map((issue) => `${v.getDotPath(issue) ?? "result"}: ${issue.message}`).join("; ");
}

/**
 * `entry`: the name the caller called (an alias's own arguments), whose arguments the refusal lists
 * when one is missing or unknown; `given`: what it passed, for every key its schema lacks.
 */
function invalidArguments(tool: string, issues: readonly v.BaseIssue<unknown>[], entry?: CatalogEntry, given?: unknown): CallToolResult {
  const accepted = entry?.input.entries ?? {};
  const strict = entry?.input.type === "strict_object" && given && typeof given === "object";
  const unknownKeys = strict ? Object.keys(given).filter((key) => !Object.hasOwn(accepted, key)) : [];
  const described = describeArgumentIssues(issues, entry?.descriptor.inputSchema as ListedArguments | undefined, unknownKeys);
  return errorResult(new PatchbayError("invalid_arguments", `${tool}: ${described}`, { next: "fix the named argument and call again" }));
}

/** Why a known tool cannot be called in this session, or `undefined` when it can. */
function refusal(entry: CatalogEntry, session: SessionState): PatchbayError | undefined {
  if (isAgentSession(session) && !entry.declaration.forAgents) {
    return new PatchbayError("tool_not_for_agents", `${entry.name} is not offered to agent tokens: they carry messages, not workspace access`, {
      next: "use the operator token (auth.token_env) for workspace, job and worker tools",
    });
  }
  // A tool the operator turned off is refused as such in every mode: a switch of mode would only lead to that refusal.
  const disabled = capabilityRefusal(entry.name, entry.declaration.capability, grantsOf(session));
  if (disabled) return disabled;
  if (!inCatalog(entry, session, false, addedByRepositoryOf(session))) {
    const modes = entry.canonical ? ["full"] : entry.declaration.modes;
    // The smallest mode that has the tool and keeps every tool the session has: standard holds
    // every canonical tool (minimal's and worker's among them), full every alias too.
    const target = modes.includes("standard") && session.mode !== "standard" ? "standard" : "full";
    return new PatchbayError("tool_not_in_mode", `${entry.name} is not in tool mode "${session.mode}" (it is in: ${modes.join(", ")})`, {
      next: `call codex_tool_mode_switch with mode "${target}" first`,
    });
  }
  return undefined;
}

/** The repository a call names, for the audit log: its repo_path, else the session's default root. */
function repoOf(rawArgs: unknown, context: ToolContext): string | null {
  const named = (rawArgs as { repo_path?: unknown } | undefined)?.repo_path;
  return typeof named === "string" ? named : (context.session.scope.defaultRoot ?? null);
}

async function run(entry: CatalogEntry, rawArgs: unknown, context: ToolContext, book: SessionHandleBook): Promise<CallToolResult> {
  const started = performance.now();
  const remote = isRemote(context.session);
  const prepare = async (args: unknown) => {
    const named = asModelsMeanThem(renameArguments(entry.name, args, entry.argumentAliases), entry.input);
    return remote ? resolveSessionHandles(named, (handle) => book.lookup(handle, context.app.store)) : named;
  };
  let result = await runChecked(entry, rawArgs, context, prepare);
  if (remote) {
    const raw = result;
    const hidden = hideLocalDetails(raw, () => localRewrites(context.session, context.app.home, raw));
    await book.remember(hidden.handles, context.app.store);
    result = hidden.result;
  }
  const error = result._meta?.["patchbay/error"] as { code?: string } | undefined;
  context.app.audit({
    client_ref: context.session.clientRef,
    tool: entry.name,
    repo: repoOf(rawArgs, context),
    outcome: result.isError ? "error" : "ok",
    ...(error?.code && { error_code: error.code }),
    duration_ms: Math.round(performance.now() - started),
  });
  return result;
}

async function runChecked(entry: CatalogEntry, rawArgs: unknown, context: ToolContext, prepare: (args: unknown) => Promise<unknown>): Promise<CallToolResult> {
  const denied = refusal(entry, context.session);
  if (denied) return errorResult(denied);
  let prepared: unknown;
  try {
    prepared = await prepare(rawArgs ?? {});
  } catch (error) {
    return errorResult(error, context.app.redact);
  }
  const parsed = v.safeParse(entry.input, prepared);
  if (!parsed.success) return invalidArguments(entry.name, parsed.issues, entry, prepared);
  let args = parsed.output as JsonObject;
  if (entry.mapArgs) {
    // An alias's arguments, renamed, must still satisfy the canonical tool.
    const mapped = v.safeParse(entry.declaration.input, entry.mapArgs(args));
    if (!mapped.success) return invalidArguments(entry.name, mapped.issues);
    args = mapped.output as JsonObject;
  }
  // No array made for the many tools that declare no escalation: this runs on every call.
  const declared = entry.declaration.escalate;
  if (declared)
    for (const escalation of Array.isArray(declared) ? declared : [declared]) {
      const escalated = escalation.applies(args) && capabilityRefusal(entry.name, escalation.capability, grantsOf(context.session, context));
      if (escalated) return errorResult(escalated);
    }
  try {
    const output = await entry.declaration.handler(args, context);
    const checked = v.safeParse(entry.declaration.output, output.structured);
    if (!checked.success)
      throw new PatchbayError("internal_error", `${entry.name} produced a result that does not match its output schema: ${outputIssues(checked.issues)}`);
    return successResult(context.app.redact(output.text) as string, context.app.redact(checked.output) as JsonObject);
  } catch (error) {
    return errorResult(error, context.app.redact);
  } finally {
    await context.progress.settle();
  }
}

/** A declaration without a known capability would be unchecked power: refuse to start instead. */
function assertCapability(declaration: ToolDeclaration): void {
  if (isCapability(declaration.capability)) return;
  throw new PatchbayError("tool_capability_missing", `tool ${declaration.name} declares no known capability (got ${JSON.stringify(declaration.capability)})`, {
    next: `add capability: one of ${Object.keys(CAPABILITY_RULES).join(", ")} to its declaration`,
  });
}

export function createToolRegistry(declarations: readonly ToolDeclaration[]): ToolRegistry {
  const book = createSessionHandleBook();
  declarations.forEach(assertCapability);
  const entries = declarations.flatMap(entriesOf).sort((a, b) => a.name.localeCompare(b.name));
  const byName = new Map<string, CatalogEntry>();
  for (const entry of entries) {
    if (byName.has(entry.name)) throw new PatchbayError("tool_duplicate", `two tools are named ${entry.name}`, { next: "rename one of them" });
    byName.set(entry.name, entry);
  }
  const byMode = new Map<ToolMode, CatalogEntry[]>();
  const entriesIn = (mode: ToolMode) => {
    let listed = byMode.get(mode);
    if (!listed) byMode.set(mode, (listed = entries.filter((entry) => inMode(entry, mode))));
    return listed;
  };
  /**
   * What a session sees in a mode follows from the mode, its grants and whether it is an agent's,
   * so it is worked out once per such view: at most 4 modes × 2 (agent or not) × 12 power settings.
   * `mayAdd` holds the tools from outside the mode that an unchosen default mode shows when its
   * repository asks for them (alsoByDefault): only they look at the disk on each listing.
   */
  const views = new Map<string, { shown: CatalogEntry[]; names: readonly string[]; mayAdd: CatalogEntry[] }>();
  const viewOf = (session: SessionState, mode: ToolMode) => {
    // Listing never needs the bypass (grantsOf), so the mode, the agent flag and the power say it all.
    const key = `${mode}\0${isAgentSession(session)}\0${JSON.stringify(session.scope.power)}`;
    let known = views.get(key);
    if (!known) {
      const view = { ...session, mode, modeIsDefault: false };
      const grants = grantsOf(view);
      const ifAdded = () => true;
      const shown = entriesIn(mode).filter((entry) => isVisible(entry, view, grants, ifAdded));
      const mayAdd = entries.filter((entry) => !inMode(entry, mode) && entry.declaration.alsoByDefault && isVisible(entry, view, grants, ifAdded));
      views.set(key, (known = { shown, names: shown.map((entry) => entry.name), mayAdd }));
    }
    return known;
  };
  /** The tools from outside the mode that the session's repository adds now, when its mode is the unchosen default. */
  const addedNow = (session: SessionState, mode: ToolMode, mayAdd: CatalogEntry[]) => {
    if (!(session.modeIsDefault && mode === session.mode) || mayAdd.length === 0) return undefined;
    const added = new Set(mayAdd.filter(addedByRepositoryOf(session)));
    return added.size > 0 ? added : undefined;
  };
  const withAdded = (shown: CatalogEntry[], added: Set<CatalogEntry>) => {
    const listed = new Set(shown);
    return entries.filter((entry) => listed.has(entry) || added.has(entry));
  };
  const visibleEntries = (session: SessionState, mode: ToolMode): CatalogEntry[] => {
    const { shown, mayAdd } = viewOf(session, mode);
    const added = addedNow(session, mode, mayAdd);
    return added ? withAdded(shown, added) : shown;
  };
  return {
    entries,
    list: (session) => visibleEntries(session, session.mode).map((entry) => entry.descriptor),
    namesIn: (mode) => entries.filter((entry) => inMode(entry, mode)).map((entry) => entry.name),
    // codex_tool_mode_info asks this for every mode on each call.
    namesFor(session, mode = session.mode) {
      const { shown, names, mayAdd } = viewOf(session, mode);
      const added = addedNow(session, mode, mayAdd);
      return added ? withAdded(shown, added).map((entry) => entry.name) : [...names];
    },
    call(name, args, context) {
      const entry = byName.get(name);
      return entry && run(entry, args, context, book);
    },
    textCarriesAll: (name) => byName.get(name)?.declaration.textCarriesAll === true,
  };
}
