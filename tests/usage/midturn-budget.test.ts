/**
 * A hard budget stops a REAL codex or gemini turn (pinned CLIs, fake model APIs) after the model
 * call that crosses it: both print usage only at the turn's end, but codex's session rollout and
 * gemini's local telemetry file get each call's usage during the turn, and patchbay accounts it as
 * it arrives.
 */
import { describe, expect, test } from "bun:test";
import { processGone } from "../jobs/support.ts";
import * as geminiApi from "../support/fake-apis/gemini.ts";
import * as openaiApi from "../support/fake-apis/openai-responses.ts";
import { codexSandbox, geminiSandbox, keepForFile } from "../support/fake-apis/agent-env.ts";
import { agentTurnsUnavailable, call, expectStoppedAfterFirstCall, finished, patchbayFor, repo } from "./agent-turns.ts";
import { ledgerEntries } from "./support.ts";

const skip = agentTurnsUnavailable();
if (skip) console.warn(`\n[usage/codex-midturn] ${skip}\n`);
const keep = keepForFile();

describe.skipIf(skip !== undefined)("a hard budget during a real codex or gemini turn", () => {
  test("codex: a token budget crossed by the turn's first model call stops it there; the ledger holds exactly that call", async () => {
    // The first call (400 in, 70 out) runs a command and goes past 450 tokens; the next call would never be answered.
    const api = keep(
      await openaiApi.startOpenAIResponses([
        openaiApi.turn([openaiApi.runCommand("echo checked")], { input_tokens: 400, output_tokens: 70 }),
        openaiApi.hang(),
      ]),
    );
    const box = keep(codexSandbox(api.baseUrl));
    const ws = repo();
    const { client, home } = await patchbayFor(keep, box, ws, ["[budgets.hard]", "daily_tokens = 450"]);
    const view = await finished(client, await call(client, "codex_plan_job", { spec: "Check, then answer", agent: "codex", repo_path: ws }));
    await expectStoppedAfterFirstCall(view, home, "codex");
  });

  test("codex resume: the rollout's thread total counts only the resumed turn's part, so the budget stops it at its own crossing call", async () => {
    const api = keep(await openaiApi.startOpenAIResponses([openaiApi.turn([openaiApi.say("First.")], { input_tokens: 1000, output_tokens: 50 })]));
    const box = keep(codexSandbox(api.baseUrl));
    const ws = repo();
    // The first turn's 1,050 tokens stay under 1,500; the resumed turn's first call (400 in, 70 out) goes past it.
    const { client, home } = await patchbayFor(keep, box, ws, ["[budgets.hard]", "daily_tokens = 1500"]);
    const first = await finished(client, await call(client, "codex_plan_job", { spec: "Say something", agent: "codex", repo_path: ws }));
    expect(first.state, JSON.stringify(first.result)).toBe("succeeded");
    api.script(openaiApi.turn([openaiApi.runCommand("echo checked")], { input_tokens: 400, output_tokens: 70 }), openaiApi.hang());
    const second = await finished(client, await call(client, "codex_resume", { session_id: first.session_id, spec: "Check, then answer" }));
    expect(second.result?.error_code).toBe("budget_exceeded");
    expect(processGone(second.pid)).toBe(true);
    expect(
      ledgerEntries(home).map(({ id, input_tokens, output_tokens, stopped_by_budget }) => ({ id, input_tokens, output_tokens, stopped_by_budget })),
    ).toEqual([
      { id: first.job_id, input_tokens: 1000, output_tokens: 50, stopped_by_budget: undefined },
      { id: second.job_id, input_tokens: 400, output_tokens: 70, stopped_by_budget: "budgets.hard.daily_tokens" },
    ]);
  });

  test("gemini: a token budget crossed by the turn's first model call stops it; the ledger holds exactly that call, and the model API saw only its calls", async () => {
    const api = keep(
      await geminiApi.startGemini([
        geminiApi.turn([geminiApi.functionCall("list_directory", { dir_path: "." })], { prompt: 400, candidates: 70 }),
        geminiApi.hang(),
      ]),
    );
    const box = keep(geminiSandbox(api.baseUrl));
    const ws = repo();
    const { client, home } = await patchbayFor(keep, box, ws, ["[budgets.hard]", "daily_tokens = 450"]);
    const spec = { spec: "List, then answer", agent: "gemini", model: "gemini-2.5-flash", repo_path: ws };
    const view = await finished(client, await call(client, "codex_plan_job", spec));
    await expectStoppedAfterFirstCall(view, home, "gemini");
    // The telemetry went to the job's own file only: the fake API (GOOGLE_GEMINI_BASE_URL) saw the two model calls and nothing else.
    expect(api.requests.map((request) => request.path)).toEqual([
      "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
      "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
    ]);
  });
});
