import type { CallToolResult } from "@modelcontextprotocol/server";
import { asPatchbayError } from "../errors/index.ts";

export function successResult(text: string, structured: Record<string, unknown>): CallToolResult {
  return { content: [{ type: "text", text }], structuredContent: structured };
}

/**
 * A failed call as an MCP tool error the model can act on. The code travels in `_meta` rather
 * than `structuredContent`, which clients check against the tool's success output schema.
 */
export function errorResult(error: unknown, redact: (value: unknown) => unknown = (value) => value): CallToolResult {
  const failure = asPatchbayError(error);
  const body = redact(failure.toJSON()) as ReturnType<typeof failure.toJSON>;
  const text = `[${body.code}] ${body.message}${body.next ? `. Next: ${body.next}` : ""}`;
  return { content: [{ type: "text", text }], isError: true, _meta: { "patchbay/error": body } };
}
