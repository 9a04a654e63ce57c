import type * as v from "valibot";
import type { ToolAnnotations } from "@modelcontextprotocol/server";
import type { AppServices } from "./services.ts";
import type { SessionState } from "./session.ts";
import type { ProgressReporter } from "./progress.ts";

import { TOOL_MODES } from "../config/index.ts";
import type { Capability } from "./capability.ts";

/** The tool catalogs a session can switch between, smallest first (app.tool_mode's values). */
export { TOOL_MODES };
export type ToolMode = (typeof TOOL_MODES)[number];

/** Every mode: the mode tools and the self test must always be reachable. */
export const EVERY_MODE: readonly ToolMode[] = TOOL_MODES;

// valibot object schemas are the only input/output shape: MCP tool schemas must describe objects.
export type ObjectSchema =
  | v.ObjectSchema<v.ObjectEntries, v.ErrorMessage<v.ObjectIssue> | undefined>
  | v.StrictObjectSchema<v.ObjectEntries, v.ErrorMessage<v.StrictObjectIssue> | undefined>
  | v.LooseObjectSchema<v.ObjectEntries, v.ErrorMessage<v.LooseObjectIssue> | undefined>;

/** What a handler sees besides its arguments. */
export interface ToolContext {
  app: AppServices;
  session: SessionState;
  /** The HTTP request the call came in on; undefined over stdio and from the CLI (this machine). */
  request?: Request;
  /** Aborts when the caller cancels the request or disconnects. */
  signal: AbortSignal;
  progress: ProgressReporter;
  /** The catalog this tool is part of, for tools that describe the catalog itself. */
  catalog: { namesFor(session: SessionState, mode?: ToolMode): string[] };
}

/** A handler's answer: a short text for the model and the structured result for programs. */
export interface ToolOutput<O> {
  text: string;
  structured: O;
}

/** Another name a tool answers to, advertised only in `full` mode (CodexPro compatibility). */
export interface ToolAlias {
  name: string;
  /** Input under the alias's own argument names; defaults to the canonical input schema. */
  input?: ObjectSchema;
  /** Maps the alias's arguments onto the canonical ones. */
  mapArgs?: (args: Record<string, unknown>) => Record<string, unknown>;
  /** Other names of the alias's own arguments (see ToolDeclaration.argumentAliases). */
  argumentAliases?: ArgumentAliases;
}

/**
 * Other names an argument answers to, e.g. `{ title: "name" }`: names prompts written for the
 * original designs use. The registry renames them before validation, for every tool in one place,
 * and docs/tools.md lists them; they are not advertised in the input schema.
 */
export type ArgumentAliases = Readonly<Record<string, string>>;

/**
 * A tool, declared once. The registry derives `tools/list`, validation, modes, aliases and
 * docs/tools.md from this declaration.
 */
export interface ToolDeclaration<I extends ObjectSchema = ObjectSchema, O extends ObjectSchema = ObjectSchema> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: Required<Pick<ToolAnnotations, "readOnlyHint" | "destructiveHint" | "idempotentHint" | "openWorldHint">>;
  modes: readonly ToolMode[];
  /**
   * Also offered to a session still in the default mode nobody chose when this holds for its
   * repository (the pipeline tools where `.ai/patchbay.toml` is): the default catalog follows
   * the repository, without adding tools where they would do nothing.
   */
  alsoByDefault?: (repo: string) => boolean;
  aliases?: readonly ToolAlias[];
  argumentAliases?: ArgumentAliases;
  /**
   * The power this tool needs (see capability.ts), checked by the registry from the operator's
   * settings on every call. A tool whose capability is not allowed is hidden and refused.
   */
  capability: Capability;
  /**
   * A stronger capability some arguments need (a shared_write worker, a sandbox bypass, a phase
   * pointed at a command key), checked after validation; `when` says which, for the docs. Several
   * are each checked, in order.
   */
  escalate?: Escalation<v.InferOutput<I>> | readonly Escalation<v.InferOutput<I>>[];
  /**
   * Offered to sessions authenticated with an agent's messaging token. Off by default: such a
   * token identifies an agent to its peers; it is not the operator's key to the workspace.
   */
  forAgents?: boolean;
  /**
   * The text carries everything of the structured result a model needs (ids, paths, lines, next
   * steps), so a host whose model would read the structured result in place of the text gets the
   * text alone (host-result.ts). tests/mcp/host-result.test.ts holds each tool that says so to it.
   */
  textCarriesAll?: boolean;
  /** Extra `_meta` on the tool's descriptor (e.g. ChatGPT's `openai/fileParams`). */
  meta?: Record<string, unknown>;
  /** ChatGPT's status labels while the tool runs and after it finished. */
  labels?: { invoking: string; invoked: string };
  handler: (args: v.InferOutput<I>, context: ToolContext) => Promise<ToolOutput<v.InferOutput<O>>>;
}

/** Arguments that need more than the tool's own capability. */
export interface Escalation<A> {
  capability: Capability;
  /** The arguments that need it, in words (docs/security.md). */
  when: string;
  applies: (args: A) => boolean;
}

/** Identity function that keeps the handler's argument types tied to the schemas. */
export function defineTool<I extends ObjectSchema, O extends ObjectSchema>(declaration: ToolDeclaration<I, O>): ToolDeclaration {
  return declaration as unknown as ToolDeclaration;
}
