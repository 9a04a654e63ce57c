/**
 * How the board reaches patchbay: through the same tools MCP hosts call, run by the server's
 * registry as an operator session (capability checks, refusals and, for actions, the audit line
 * all as for a host). The server hands these in; the board imports no capability.
 */
import type { CallToolResult } from "@modelcontextprotocol/server";

export interface BoardTools {
  /** A read-only tool, for the views. Not audited: the views refresh on every change and would drown the log. */
  read(tool: string, args: Record<string, unknown>): Promise<CallToolResult>;
  /** A tool the operator chose to run from the page: audited like any host's call. */
  act(tool: string, args: Record<string, unknown>): Promise<CallToolResult>;
}

export type Json = Record<string, unknown>;

/** A tool's answer: its structured content, or its refusal's text (what a host would show). */
export type ToolAnswer = { ok: true; data: Json; text: string } | { ok: false; error: string; code?: string };

export function answerOf(result: CallToolResult): ToolAnswer {
  const text = result.content.map((block) => (block.type === "text" ? block.text : "")).join("\n");
  if (result.isError) {
    const code = (result._meta?.["patchbay/error"] as { code?: string } | undefined)?.code;
    return { ok: false, error: text, ...(code && { code }) };
  }
  return { ok: true, data: (result.structuredContent ?? {}) as Json, text };
}

/** The structured answer of a read, or undefined when the tool refused (the view shows what it has). */
export async function readData(tools: BoardTools, tool: string, args: Record<string, unknown>): Promise<Json | undefined> {
  const answer = answerOf(await tools.read(tool, args));
  return answer.ok ? answer.data : undefined;
}
