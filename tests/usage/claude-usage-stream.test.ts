/**
 * Claude Code's usage as a turn runs: the parser turns the `stream_event` lines that
 * `--include-partial-messages` adds (shaped as claude 2.1.332 printed them against the fake
 * Messages API) into the turn's running usage, one model call at a time, and a turn stopped
 * before its result line keeps what it said last.
 */
import { expect, test } from "bun:test";
import { type AgentEvent, claude } from "../../src/agents/index.ts";
import { feed, turnOf } from "../agents/support.ts";

const SESSION = "b90f911f-21ee-47d7-b846-9a78184b36fa";

function streamEvent(event: Record<string, unknown>, parent: string | null = null): string {
  return JSON.stringify({ type: "stream_event", event, session_id: SESSION, parent_tool_use_id: parent });
}

const start = (id: string, input: number, parent: string | null = null) =>
  streamEvent(
    { type: "message_start", message: { id, usage: { input_tokens: input, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } } },
    parent,
  );
const delta = (usage: Record<string, unknown>, parent: string | null = null) =>
  streamEvent({ type: "message_delta", delta: { stop_reason: "end_turn" }, usage }, parent);
const text = (words: string) =>
  JSON.stringify({ type: "assistant", message: { id: "msg", content: [{ type: "text", text: words }], usage: { input_tokens: 400, output_tokens: 1 } } });

const usages = (events: AgentEvent[]) => events.flatMap((event) => (event.type === "usage" ? [event.usage] : []));

test("each model call's usage is added as it streams: input at message_start, the billed output at message_delta", () => {
  const lines = [
    start("msg_1", 400),
    streamEvent({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Read" } }),
    text("Reading."),
    delta({ output_tokens: 70 }),
    streamEvent({ type: "message_stop" }),
    start("msg_2", 500),
    delta({ output_tokens: 30, input_tokens: null, cache_read_input_tokens: 20 }),
  ];
  const { events, result } = feed(claude, turnOf(), lines, { code: null, signal: "SIGTERM" });
  expect(usages(events)).toEqual([
    { inputTokens: 400, outputTokens: 1, cachedInputTokens: 0 },
    { inputTokens: 400, outputTokens: 70, cachedInputTokens: 0 },
    { inputTokens: 900, outputTokens: 71, cachedInputTokens: 0 },
    // A field message_delta sets to null keeps message_start's number.
    { inputTokens: 900, outputTokens: 100, cachedInputTokens: 20 },
  ]);
  expect(events.every((event) => event.type !== "raw")).toBe(true);
  // Stopped before its result line: the answer so far is the final message; no usage of its own.
  expect(result).toMatchObject({ status: "failed", finalMessage: "Reading." });
  expect(result.usage).toBeUndefined();
});

test("a subagent's call streams beside the main one: each message_delta updates its own call", () => {
  const lines = [start("msg_main", 400), start("msg_sub", 50, "toolu_task"), delta({ output_tokens: 5 }, "toolu_task"), delta({ output_tokens: 70 })];
  const { events } = feed(claude, turnOf(), lines, { code: null, signal: "SIGTERM" });
  expect(usages(events).at(-1)).toEqual({ inputTokens: 450, outputTokens: 75, cachedInputTokens: 0 });
});

test("cache writes: each call's cache_creation_input_tokens with its 1-hour part from the per-TTL split, and the result's own", () => {
  const writing = (id: string, usage: Record<string, unknown>) =>
    streamEvent({ type: "message_start", message: { id, usage: { input_tokens: 400, output_tokens: 1, cache_read_input_tokens: 0, ...usage } } });
  const result = JSON.stringify({
    type: "result",
    subtype: "success",
    is_error: false,
    result: "Done.",
    session_id: SESSION,
    usage: {
      input_tokens: 800,
      output_tokens: 100,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 2300,
      cache_creation: { ephemeral_5m_input_tokens: 1800, ephemeral_1h_input_tokens: 500 },
    },
  });
  const lines = [
    writing("msg_1", { cache_creation_input_tokens: 2000, cache_creation: { ephemeral_5m_input_tokens: 1500, ephemeral_1h_input_tokens: 500 } }),
    delta({ output_tokens: 70 }),
    // Without the split, every write is a 5-minute one.
    writing("msg_2", { cache_creation_input_tokens: 300 }),
    delta({ output_tokens: 30 }),
    result,
  ];
  const fed = feed(claude, turnOf(), lines, { code: 0, signal: null });
  expect(usages(fed.events).at(-2)).toEqual({ inputTokens: 800, outputTokens: 100, cachedInputTokens: 0, cacheWriteTokens: 2300, cacheWrite1hTokens: 500 });
  expect(fed.result.usage).toEqual({ inputTokens: 800, outputTokens: 100, cachedInputTokens: 0, cacheWriteTokens: 2300, cacheWrite1hTokens: 500 });
});
