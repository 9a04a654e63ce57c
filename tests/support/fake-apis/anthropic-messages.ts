/**
 * A scripted fake of the Anthropic Messages API, as Claude Code 2.1.332 speaks it with
 * `ANTHROPIC_BASE_URL` (../shared/agent-cli/README.md §4.2, captures claude-*). `POST /v1/messages`
 * (Claude adds `?beta=true`) consumes one reply per request, streamed as SSE: message_start, ping,
 * per content block content_block_start / content_block_delta (text_delta or input_json_delta) /
 * content_block_stop, message_delta with the stop_reason and usage, message_stop. Other paths
 * (e.g. count_tokens, should a later version call it) get a 404 and are recorded.
 */
import { fakeId, hang, httpError, sendJson, startFakeApi, startSse, type FakeApi, type HangReply, type HttpErrorReply } from "./server.ts";

export type MessagesBlock = { type: "text"; text: string } | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> };

export interface MessagesTurn {
  kind: "messages";
  blocks: MessagesBlock[];
  /** Default: "tool_use" when a block is a tool_use, else "end_turn". */
  stopReason?: string;
  usage?: MessagesUsage;
}

/** A call's usage as the API bills it; the cache fields are 0 unless given (`cache_creation` is the per-TTL split of the writes). */
export interface MessagesUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
  cache_creation?: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

export type MessagesReply = MessagesTurn | HttpErrorReply | HangReply;

export function turn(blocks: Array<MessagesBlock | MessagesTurn>, options: { stopReason?: string; usage?: MessagesTurn["usage"] } = {}): MessagesTurn {
  return { kind: "messages", blocks: blocks.flatMap((block) => ("kind" in block ? block.blocks : [block])), ...options };
}

/** "Say this": one text block, stop_reason end_turn. */
export function say(text: string): MessagesTurn {
  return turn([{ type: "text", text }]);
}

/** Any tool call, e.g. `toolUse("Bash", { command: "ls" })`. */
export function toolUse(name: string, input: Record<string, unknown>, preamble?: string): MessagesTurn {
  const blocks: MessagesBlock[] = preamble ? [{ type: "text", text: preamble }] : [];
  return turn([...blocks, { type: "tool_use", id: `toolu_${fakeId("")}`, name, input }]);
}

/** "Write this file": a `Write` tool_use (a relative file_path is accepted, relative to the cwd). */
export function writeFile(filePath: string, content: string, preamble?: string): MessagesTurn {
  return toolUse("Write", { file_path: filePath, content }, preamble);
}

/** An HTTP error with the Messages API's error body; Claude prints `API Error: <status> <message>`. */
export function apiError(status: number, message: string, type = "api_error"): HttpErrorReply {
  return httpError(status, { type: "error", error: { type, message } });
}

function event(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/** Splits a string into up to `n` pieces, to exercise Claude's delta concatenation. */
function pieces(text: string, n = 2): string[] {
  if (text.length < n) return [text];
  const size = Math.ceil(text.length / n);
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

export type AnthropicMessagesApi = FakeApi<MessagesReply> & {
  /** The value for ANTHROPIC_BASE_URL (the origin, no /v1). */
  baseUrl: string;
};

export async function startAnthropicMessages(script: MessagesReply[] = []): Promise<AnthropicMessagesApi> {
  const api = await startFakeApi<MessagesReply>(
    {
      route(request, res) {
        if (request.method === "POST" && request.path === "/v1/messages") return "scripted";
        sendJson(res, 404, { type: "error", error: { type: "not_found_error", message: `fake Messages API: no route ${request.method} ${request.path}` } });
        return "handled";
      },
      respond(reply, request, res, index) {
        if (reply.kind !== "messages") throw new Error("not a Messages reply");
        const model = typeof request.body?.model === "string" ? request.body.model : "claude-fake";
        const usage = reply.usage ?? { input_tokens: 100 + index, output_tokens: 10 + index };
        const stopReason = reply.stopReason ?? (reply.blocks.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn");
        startSse(res);
        res.write(
          event("message_start", {
            message: {
              id: `msg_fake_${fakeId("")}`,
              type: "message",
              role: "assistant",
              model,
              content: [],
              stop_reason: null,
              stop_sequence: null,
              usage: {
                input_tokens: usage.input_tokens,
                output_tokens: 1,
                cache_creation_input_tokens: usage.cache_creation_input_tokens ?? 0,
                cache_read_input_tokens: usage.cache_read_input_tokens ?? 0,
                ...(usage.cache_creation && { cache_creation: usage.cache_creation }),
              },
            },
          }),
        );
        res.write(event("ping", {}));
        reply.blocks.forEach((block, n) => {
          if (block.type === "text") {
            res.write(event("content_block_start", { index: n, content_block: { type: "text", text: "" } }));
            for (const piece of pieces(block.text)) res.write(event("content_block_delta", { index: n, delta: { type: "text_delta", text: piece } }));
          } else {
            res.write(event("content_block_start", { index: n, content_block: { type: "tool_use", id: block.id, name: block.name, input: {} } }));
            for (const piece of pieces(JSON.stringify(block.input)))
              res.write(event("content_block_delta", { index: n, delta: { type: "input_json_delta", partial_json: piece } }));
          }
          res.write(event("content_block_stop", { index: n }));
        });
        res.write(event("message_delta", { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } }));
        res.write(event("message_stop", {}));
        res.end();
      },
    },
    script,
  );
  return Object.assign(api, { baseUrl: api.origin });
}

export { hang };
