/**
 * The board's live stream follows changes, not a timer: with the fallback re-read set to an hour,
 * a worker another session starts (a host's call through the real registry, its mock agent's turn
 * run by the real job runtime) reaches an open `/board/events` stream as it is started and again
 * as its turn ends. The board is the server's own (`serverBoardSources`: the operator session,
 * the tool calls' audit, the job runtime's activity), in process, so the interval can be set.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { ALL_TOOLS } from "../../src/app/index.ts";
import { type Board, createBoard } from "../../src/board/index.ts";
import { createToolRegistry } from "../../src/mcp/index.ts";
import { serverBoardSources } from "../../src/server/board.ts";
import { mockPrompt } from "../jobs/support.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs } from "../support/patchbay.ts";
import { type ToolHarness, toolHarness } from "../support/tools.ts";
import { until } from "../support/until.ts";

const HOUR_MS = 3_600_000;
type State = { workers: Array<{ name: string; state: string }> };

let harness: ToolHarness;
let board: Board;
const states: State[] = [];
const stopReading = new AbortController();

/** Collects each `state` event of an open stream, as a page's EventSource would. */
async function follow(response: Response): Promise<void> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!stopReading.signal.aborted) {
    const { done, value } = await reader.read();
    if (done) return;
    text += decoder.decode(value, { stream: true });
    for (let end = text.indexOf("\n\n"); end >= 0; end = text.indexOf("\n\n")) {
      const event = /^event: state\ndata: (.*)$/s.exec(text.slice(0, end));
      if (event) states.push(JSON.parse(event[1]!) as State);
      text = text.slice(end + 2);
    }
  }
}

beforeAll(async () => {
  const repo = makeGitRepo({ "README.md": "hello\n" });
  harness = await toolHarness(ALL_TOOLS, { roots: [repo], mode: "full" });
  const sources = serverBoardSources({ host: harness.host, registry: createToolRegistry(ALL_TOOLS), scope: harness.session.scope, token: undefined });
  board = createBoard({ ...sources, login: undefined, fallbackMs: HOUR_MS });
  void follow(await board.handle(new Request("http://127.0.0.1/board/events", { signal: stopReading.signal })));
  await until(() => states.length > 0, "the first state pushed");
}, 60_000);

afterAll(async () => {
  stopReading.abort();
  board?.close();
  await harness?.close();
  removeTempDirs();
});

test("a worker started by another session reaches the open stream when it starts and when its turn ends, with the timer an hour away", async () => {
  expect(states[0]!.workers).toEqual([]);
  await harness.ok("codex_worker_start", { name: "pushed", brief: mockPrompt({ message: "done" }), agent: "mock" });
  await until(() => states.some((state) => state.workers.some((worker) => worker.name === "pushed")), "the new worker pushed", { timeoutMs: 20_000 });
  await until(() => states.some((state) => state.workers.some((worker) => worker.name === "pushed" && worker.state === "idle")), "the new worker idle", {
    timeoutMs: 20_000,
  });
  // Each state sent differs from the one before it: a change, not a repeat.
  const sent = states.map((state) => JSON.stringify(state));
  expect(new Set(sent).size).toBe(sent.length);
});
