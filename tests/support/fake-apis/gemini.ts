/**
 * A scripted fake of the Gemini API, as Gemini CLI 0.61.0 speaks it with `GOOGLE_GEMINI_BASE_URL`
 * (../shared/agent-cli/README.md §4.3, captures gemini-*):
 * - `POST /v1beta/models/<m>:generateContent` is the model router's classifier (model `auto`). It is
 *   answered outside the script with a JSON text `{complexity_reasoning, complexity_score}` and
 *   recorded as auxiliary.
 * - `POST /v1beta/models/<m>:streamGenerateContent?alt=sse` consumes one reply per request, streamed
 *   as `data: <GenerateContentResponse>\r\n\r\n` chunks (one per part), the last one with
 *   finishReason and usageMetadata.
 */
import { hang, httpError, sendJson, startFakeApi, startSse, type FakeApi, type HangReply, type HttpErrorReply } from "./server.ts";

export type GeminiPart = { text: string } | { functionCall: { name: string; args: Record<string, unknown> } };

export interface GeminiTurn {
  kind: "gemini";
  parts: GeminiPart[];
  usage?: { prompt: number; candidates: number };
}

export type GeminiReply = GeminiTurn | HttpErrorReply | HangReply;

export function turn(parts: Array<GeminiPart | GeminiTurn>, usage?: GeminiTurn["usage"]): GeminiTurn {
  return { kind: "gemini", parts: parts.flatMap((part) => ("kind" in part ? part.parts : [part])), usage };
}

/** "Say this": text parts (several fragments arrive as several `delta:true` messages). */
export function say(...texts: string[]): GeminiTurn {
  return turn(texts.map((text) => ({ text })));
}

export function functionCall(name: string, args: Record<string, unknown>): GeminiTurn {
  return turn([{ functionCall: { name, args } }]);
}

/** "Write this file": a `write_file` call (registered only with --approval-mode auto_edit or yolo). */
export function writeFile(filePath: string, content: string): GeminiTurn {
  return functionCall("write_file", { file_path: filePath, content });
}

/** An HTTP error with Google's error body shape. */
export function apiError(status: number, message: string, statusName = "INVALID_ARGUMENT"): HttpErrorReply {
  return httpError(status, { error: { code: status, message, status: statusName } });
}

export type GeminiApi = FakeApi<GeminiReply> & {
  /** The value for GOOGLE_GEMINI_BASE_URL (the origin). */
  baseUrl: string;
  /** The models named in scripted request paths, in order. */
  models(): string[];
};

const MODEL_PATH = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent)$/;

export async function startGemini(script: GeminiReply[] = []): Promise<GeminiApi> {
  const api = await startFakeApi<GeminiReply>(
    {
      route(request, res) {
        const match = request.method === "POST" ? MODEL_PATH.exec(request.path) : null;
        if (match?.[2] === "streamGenerateContent") return "scripted";
        if (match?.[2] === "generateContent") {
          const text = JSON.stringify({ complexity_reasoning: "A small scripted task.", complexity_score: 10 });
          sendJson(res, 200, {
            candidates: [{ content: { role: "model", parts: [{ text }] }, finishReason: "STOP", index: 0 }],
            usageMetadata: { promptTokenCount: 50, candidatesTokenCount: 5, totalTokenCount: 55 },
            modelVersion: match[1],
          });
          return "handled";
        }
        sendJson(res, 404, { error: { code: 404, message: `fake Gemini API: no route ${request.method} ${request.path}`, status: "NOT_FOUND" } });
        return "handled";
      },
      respond(reply, request, res, index) {
        if (reply.kind !== "gemini") throw new Error("not a Gemini reply");
        const model = MODEL_PATH.exec(request.path)?.[1] ?? "gemini-fake";
        const usage = reply.usage ?? { prompt: 100 + index, candidates: 10 + index };
        startSse(res);
        reply.parts.forEach((part, n) => {
          const last = n === reply.parts.length - 1;
          const chunk: Record<string, unknown> = {
            candidates: [{ content: { role: "model", parts: [part] }, index: 0, ...(last && { finishReason: "STOP" }) }],
            modelVersion: model,
            ...(last && {
              usageMetadata: { promptTokenCount: usage.prompt, candidatesTokenCount: usage.candidates, totalTokenCount: usage.prompt + usage.candidates },
            }),
          };
          res.write(`data: ${JSON.stringify(chunk)}\r\n\r\n`);
        });
        res.end();
      },
    },
    script,
  );
  return Object.assign(api, {
    baseUrl: api.origin,
    models: () => api.modelRequests().map((r) => MODEL_PATH.exec(r.path)?.[1] ?? "?"),
  });
}

export { hang };
