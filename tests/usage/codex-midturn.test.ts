/**
 * A hard budget stops a REAL codex turn (pinned CLI, fake Responses API) at the model call that
 * crosses it: codex prints usage only at turn.completed, but its session rollout gets each call's
 * running total during the turn, and patchbay accounts it as it arrives.
 */
import { describe, test } from "bun:test";
import * as openaiApi from "../support/fake-apis/openai-responses.ts";
import { codexSandbox, keepForFile } from "../support/fake-apis/agent-env.ts";
import { agentTurnsUnavailable, call, expectStoppedAfterFirstCall, finished, patchbayFor, repo } from "./agent-turns.ts";

const skip = agentTurnsUnavailable();
if (skip) console.warn(`\n[usage/codex-midturn] ${skip}\n`);
const keep = keepForFile();

describe.skipIf(skip !== undefined)("a hard budget during a real codex turn", () => {
  test("a token budget crossed by the turn's first model call stops it there; the ledger holds exactly that call", async () => {
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
});
