import { closeSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { type Json, obj, parseObject, str } from "./define.ts";

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
  let file: string | undefined;
  let offset = 0;
  let pending = "";
  const decoder = new StringDecoder("utf8");
  return {
    latest(threadId) {
      file ??= findRollout(join(codexHome, "sessions"), threadId);
      if (!file) return undefined;
      const appended = readFrom(file, offset);
      offset += appended.length;
      const lines = (pending + decoder.write(appended)).split("\n");
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

function readFrom(file: string, offset: number): Buffer {
  let fd: number | undefined;
  try {
    const size = statSync(file).size;
    if (size <= offset) return Buffer.alloc(0);
    fd = openSync(file, "r");
    const buffer = Buffer.alloc(size - offset);
    const read = readSync(fd, buffer, 0, buffer.length, offset);
    return buffer.subarray(0, read);
  } catch {
    return Buffer.alloc(0);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
