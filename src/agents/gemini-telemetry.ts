import { compact, type Json, num, obj, parseObject } from "./define.ts";
import { fileTail } from "./file-tail.ts";
import type { AgentUsage } from "./types.ts";

/**
 * Gemini CLI's usage while its turn runs. Its stream-json prints usage only in the result line,
 * but with local telemetry (GEMINI_TELEMETRY_TARGET=local and an outfile) 0.61.0 writes a
 * `gemini_cli.api_response` log record per model call, with that call's token counts, to the
 * file: pretty-printed JSON objects one after another. Its log processor batches records for
 * 5 s (not configurable in 0.61.0), so a call's usage arrives up to ~5 s after the call.
 *
 * `running()` answers the sum of every call recorded so far, or undefined when nothing new came.
 *
 * @example
 * const telemetry = geminiTelemetry("/job/scratch/gemini-telemetry.json");
 * telemetry.running(); // { inputTokens: 400, outputTokens: 70, cachedInputTokens: 0 } after one call
 */
export function geminiTelemetry(file: string): { running(): AgentUsage | undefined } {
  const tail = fileTail(file);
  let pending = "";
  let sum: AgentUsage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
  return {
    running() {
      // A top-level record ends with "}" alone on its line; nested ones are indented.
      const records = (pending + tail.read()).split(/^}\n/m);
      pending = records.pop() ?? "";
      let added = false;
      for (const record of records) {
        const attributes = obj(parseObject(`${record}}`)?.attributes);
        if (attributes["event.name"] !== "gemini_cli.api_response") continue;
        sum = add(sum, attributes);
        added = true;
      }
      return added ? sum : undefined;
    },
  };
}

function add(sum: AgentUsage, call: Json): AgentUsage {
  return compact({
    inputTokens: sum.inputTokens + (num(call.input_token_count) ?? 0),
    outputTokens: sum.outputTokens + (num(call.output_token_count) ?? 0),
    cachedInputTokens: (sum.cachedInputTokens ?? 0) + (num(call.cached_content_token_count) ?? 0),
  });
}
