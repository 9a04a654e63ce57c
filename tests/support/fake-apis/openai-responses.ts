/**
 * A scripted fake of the OpenAI Responses API, as Codex CLI 0.171.0 speaks it through a custom
 * `model_providers.<id>` entry with `wire_api = "responses"` (see ../shared/agent-cli/README.md §4.1
 * and the codex-* captures). Only `POST /v1/responses` is scripted: each request consumes one reply,
 * streamed as SSE `response.created`, one `response.output_item.done` per item, `response.completed`
 * with usage. Anything else gets a 404 and is recorded.
 */
import { fakeId, hang, httpError, sendJson, startFakeApi, startSse, type FakeApi, type HangReply, type HttpErrorReply } from "./server.ts";

export type ResponsesItem =
  | { type: "function_call"; name: string; arguments: string; call_id: string; namespace?: string }
  | { type: "custom_tool_call"; name: string; input: string; call_id: string }
  | { type: "message"; role: "assistant"; content: Array<{ type: "output_text"; text: string }> }
  | { type: "reasoning"; summary: Array<{ type: "summary_text"; text: string }> };

export interface ResponsesUsage {
  input_tokens: number;
  output_tokens: number;
  cached_tokens?: number;
  reasoning_tokens?: number;
}

export interface ResponsesTurn {
  kind: "responses";
  items: ResponsesItem[];
  usage?: ResponsesUsage;
}

export type ResponsesReply = ResponsesTurn | HttpErrorReply | HangReply;

/** One model reply made of several output items, e.g. `turn([reasoning("…"), say("…")])`. */
export function turn(items: Array<ResponsesItem | ResponsesTurn>, usage?: ResponsesUsage): ResponsesTurn {
  return { kind: "responses", items: items.flatMap((item) => ("kind" in item ? item.items : [item])), usage };
}

/** "Run this command": a `function_call` of Codex's `exec_command` tool. */
export function runCommand(cmd: string, extra: Record<string, unknown> = {}): ResponsesTurn {
  return turn([{ type: "function_call", name: "exec_command", arguments: JSON.stringify({ cmd, ...extra }), call_id: fakeId("call_") }]);
}

/**
 * "Apply this patch": a freeform `custom_tool_call` of `apply_patch`. Codex offers that tool only
 * to models it knows (e.g. `-m gpt-5.5`), not to a made-up slug such as `fake-model`.
 */
export function applyPatch(patch: string): ResponsesTurn {
  return turn([{ type: "custom_tool_call", name: "apply_patch", input: patch, call_id: fakeId("call_") }]);
}

/** An apply_patch body that adds `path` with `lines`. */
export function addFilePatch(path: string, lines: string[]): string {
  return `*** Begin Patch\n*** Add File: ${path}\n${lines.map((line) => `+${line}\n`).join("")}*** End Patch\n`;
}

/** "Say this": a final assistant message (ends the turn). */
export function say(text: string): ResponsesTurn {
  return turn([{ type: "message", role: "assistant", content: [{ type: "output_text", text }] }]);
}

export function reasoning(text: string): ResponsesTurn {
  return turn([{ type: "reasoning", summary: [{ type: "summary_text", text }] }]);
}

/** An HTTP error with the Responses API's error body shape. */
export function apiError(status: number, message: string): HttpErrorReply {
  return httpError(status, { error: { message, type: "server_error", code: null, param: null } });
}

function event(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

function withIds(item: ResponsesItem, index: number): Record<string, unknown> {
  const id = `${{ function_call: "fc", custom_tool_call: "ctc", message: "msg", reasoning: "rs" }[item.type]}_${index}_${fakeId("")}`;
  if (item.type === "message") return { id, status: "completed", ...item, content: item.content.map((part) => ({ annotations: [], ...part })) };
  if (item.type === "reasoning") return { id, ...item };
  return { id, status: "completed", ...item };
}

export type OpenAIResponsesApi = FakeApi<ResponsesReply> & {
  /** The `base_url` for Codex's provider config: `<origin>/v1`. */
  baseUrl: string;
};

export async function startOpenAIResponses(script: ResponsesReply[] = []): Promise<OpenAIResponsesApi> {
  const api = await startFakeApi<ResponsesReply>(
    {
      route(request, res) {
        if (request.method === "POST" && request.path === "/v1/responses") return "scripted";
        sendJson(res, 404, { error: { message: `fake Responses API: no route ${request.method} ${request.path}` } });
        return "handled";
      },
      respond(reply, request, res, index) {
        if (reply.kind !== "responses") throw new Error("not a Responses reply");
        const id = `resp_${index}_${fakeId("")}`;
        const model = typeof request.body?.model === "string" ? request.body.model : "fake-model";
        const usage = reply.usage ?? { input_tokens: 100 + index, output_tokens: 10 + index };
        startSse(res);
        res.write(event("response.created", { response: { id, object: "response", status: "in_progress", model, output: [] } }));
        reply.items.forEach((item, n) => {
          const full = withIds(item, n);
          res.write(event("response.output_item.added", { output_index: n, item: full }));
          if (item.type === "message")
            res.write(
              event("response.output_text.delta", { output_index: n, item_id: full.id, content_index: 0, delta: item.content.map((c) => c.text).join("") }),
            );
          res.write(event("response.output_item.done", { output_index: n, item: full }));
        });
        res.write(
          event("response.completed", {
            response: {
              id,
              object: "response",
              status: "completed",
              model,
              usage: {
                input_tokens: usage.input_tokens,
                input_tokens_details: { cached_tokens: usage.cached_tokens ?? 0 },
                output_tokens: usage.output_tokens,
                output_tokens_details: { reasoning_tokens: usage.reasoning_tokens ?? 0 },
                total_tokens: usage.input_tokens + usage.output_tokens,
              },
            },
          }),
        );
        res.end();
      },
    },
    script,
  );
  return Object.assign(api, { baseUrl: `${api.origin}/v1` });
}

/** The last input item of a recorded request of this type (e.g. the `function_call_output` Codex sent back). */
export function lastInputOfType(body: any, type: string): any {
  const input: any[] = Array.isArray(body?.input) ? body.input : [];
  return [...input].reverse().find((item) => item?.type === type);
}

export { hang };
