/**
 * What every job tool declares alike: it answers with one job (its view, and its line as the
 * text) and is in the standard and full catalogs. A job tool's handler returns the job.
 */
import type * as v from "valibot";
import { defineTool, type ObjectSchema, type ToolContext, type ToolDeclaration } from "../../mcp/tool.ts";
import { jobLine, jobView, jobViewSchema } from "../job-view.ts";
import type { JobRecord } from "../record.ts";

export interface JobToolDeclaration<I extends ObjectSchema> extends Omit<ToolDeclaration<I, typeof jobViewSchema>, "output" | "modes" | "handler"> {
  /** How many of the job's latest progress lines the answer carries; the view's own number when left out. */
  events?: number;
  handler(args: v.InferOutput<I>, context: ToolContext): Promise<JobRecord>;
}

/** Declares a tool that answers with a job. */
export function defineJobTool<I extends ObjectSchema>({ events, handler, ...declaration }: JobToolDeclaration<I>): ToolDeclaration {
  return defineTool<I, typeof jobViewSchema>({
    ...declaration,
    output: jobViewSchema,
    modes: ["standard", "full"],
    async handler(args, context) {
      const record = await handler(args, context);
      return { text: jobLine(record), structured: jobView(record, { events }) };
    },
  });
}
