import { readdirSync } from "node:fs";
import { join } from "node:path";
import { type Json, obj, parseObject, str } from "./define.ts";
import { fileTail } from "./file-tail.ts";

/**
 * Codex's usage while its turn runs. `codex exec --json` prints usage only at turn.completed, but
 * codex 0.171.0 appends a `token_count` event to the thread's rollout file
 * (`$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<thread id>.jsonl`) after each model response,
 * with the thread's running total (`info.total_token_usage`). `latest()` reads what was appended
 * since it last looked and answers the newest total, or undefined when nothing new came.
 *
 * @example
 * const rollout = codexRollout(codexHome);
 * const total = rollout.latest(threadId); // codex's usage object, e.g. { input_tokens: 400, output_tokens: 70, … }
 */
export function codexRollout(codexHome: string): { latest(threadId: string): Json | undefined } {
  let tail: ReturnType<typeof fileTail> | undefined;
  let pending = "";
  return {
    latest(threadId) {
      if (!tail) {
        const file = findRollout(join(codexHome, "sessions"), threadId);
        if (!file) return undefined;
        tail = fileTail(file);
      }
      const lines = (pending + tail.read()).split("\n");
      pending = lines.pop() ?? "";
      let total: Json | undefined;
      for (const line of lines) {
        const payload = obj(parseObject(line)?.payload);
        if (str(payload.type) === "token_count" && payload.info) total = obj(obj(payload.info).total_token_usage);
      }
      return total;
    },
  };
}

/** The thread's rollout file, newest day first (a resumed thread's file may be days old). */
function findRollout(sessions: string, threadId: string): string | undefined {
  const suffix = `-${threadId}.jsonl`;
  for (const year of newestFirst(sessions)) {
    for (const month of newestFirst(join(sessions, year))) {
      for (const day of newestFirst(join(sessions, year, month))) {
        const name = newestFirst(join(sessions, year, month, day)).find((one) => one.endsWith(suffix));
        if (name) return join(sessions, year, month, day, name);
      }
    }
  }
  return undefined;
}

function newestFirst(dir: string): string[] {
  try {
    return readdirSync(dir).sort().reverse();
  } catch {
    return [];
  }
}
