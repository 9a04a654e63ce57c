/**
 * What every messaging tool declares alike: it acts as an agent (the session's own; for the
 * operator, the one named by `as`, always the last argument), is offered to sessions of agents,
 * and is in the worker, standard and full catalogs. Its handler gets that agent.
 */
import * as v from "valibot";
import { defineTool, type ObjectSchema, type ToolContext, type ToolDeclaration, type ToolOutput } from "../../mcp/tool.ts";
import { messagingOf } from "../messaging.ts";
import type { AgentAddress } from "../names.ts";

const asArg = v.optional(v.pipe(v.string(), v.maxLength(120), v.description("Operator: act as NAME@NS.")));

type AgentInput<E extends v.ObjectEntries> = v.StrictObjectSchema<E & { as: typeof asArg }, undefined>;

export interface MessagingToolDeclaration<E extends v.ObjectEntries, O extends ObjectSchema>
  extends Omit<ToolDeclaration<AgentInput<E>, O>, "input" | "modes" | "forAgents" | "handler"> {
  /** The arguments besides `as`. */
  input: E;
  handler(args: v.InferOutput<AgentInput<E>>, context: ToolContext, me: AgentAddress): Promise<ToolOutput<v.InferOutput<O>>>;
}

/** Declares a messaging tool: `as` is appended to its input, and its handler gets the agent it acts as. */
export function defineMessagingTool<E extends v.ObjectEntries, O extends ObjectSchema>({
  input,
  handler,
  ...declaration
}: MessagingToolDeclaration<E, O>): ToolDeclaration {
  return defineTool<AgentInput<E>, O>({
    ...declaration,
    input: v.strictObject({ ...input, as: asArg }),
    modes: ["worker", "standard", "full"],
    forAgents: true,
    async handler(args, context) {
      const looking = declaration.annotations.readOnlyHint === true;
      const me = await messagingOf(context.app).actingAgent(context.session.principal, (args as { as?: string }).as, looking);
      return handler(args, context, me);
    },
  });
}
