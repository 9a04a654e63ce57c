/**
 * Most workspace tools work in one repository: `repo_path`, else the session's default root,
 * opened through the guard before the handler runs. `defineWorkspaceTool` does that once; the
 * handler gets the workspace.
 */
import type * as v from "valibot";
import { defineTool, type ObjectSchema, type ToolContext, type ToolDeclaration, type ToolOutput } from "../../mcp/tool.ts";
import { openWorkspace, type Workspace } from "../workspace.ts";

export interface WorkspaceToolDeclaration<I extends ObjectSchema, O extends ObjectSchema> extends Omit<ToolDeclaration<I, O>, "handler"> {
  handler(args: v.InferOutput<I>, context: ToolContext, ws: Workspace): Promise<ToolOutput<v.InferOutput<O>>>;
}

/** Declares a tool whose handler works in the workspace its `repo_path` names. */
export function defineWorkspaceTool<I extends ObjectSchema, O extends ObjectSchema>({
  handler,
  ...declaration
}: WorkspaceToolDeclaration<I, O>): ToolDeclaration {
  return defineTool<I, O>({
    ...declaration,
    async handler(args, context) {
      const ws = await openWorkspace(context.session.scope, context.app, (args as { repo_path?: string }).repo_path);
      return handler(args, context, ws);
    },
  });
}
