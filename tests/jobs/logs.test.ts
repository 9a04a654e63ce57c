/**
 * The job log of a real child process's output: claude's quiet lines (stream events) are left out
 * and every kept line redacted whole, however long the line and however the pipe cut it.
 */
import { afterAll, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { claude } from "../../src/agents/index.ts";
import { openJobLogs } from "../../src/jobs/logs.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";

afterAll(removeTempDirs);

const SECRET = "sk-secret-1234";
const streamEvent = (size: number) => `${JSON.stringify({ type: "stream_event", event: { delta: "q".repeat(size) } })}\n`;
/** Writes the file named by its argument to stdout 32,000 characters at a time, the next piece once a line comes on stdin. */
const PIECEWISE_WRITER = `
const text = require("node:fs").readFileSync(process.argv[1], "utf8");
let at = 0;
const next = () => {
  if (at >= text.length) return process.stdin.destroy();
  process.stdout.write(text.slice(at, (at += 32000)));
};
process.stdin.on("data", next);
next();
`;
const assistant = (text: string) => `${JSON.stringify({ type: "assistant", text })}\n`;

test("stream events of 100 KB and 300 KB are left out of the job log whole, and a 100 KB line is kept whole with every secret in it redacted", async () => {
  const longKept = assistant(`${SECRET}${"y".repeat(986)}`.repeat(100));
  const lines = [assistant("before"), streamEvent(100_000), assistant("between"), streamEvent(300_000), longKept, '{"type":"result"}\n'];
  const dir = tempDir("pb-job-log-");
  writeFileSync(join(dir, "output.jsonl"), lines.join(""));
  const log = openJobLogs(dir, "j1", { redact: (text) => text.replaceAll(SECRET, "[redacted]"), raw: false, quietLine: claude.quietLine });
  // The child writes 32,000 characters at a time and waits for the test to have logged them, so
  // the log sees the long lines in pieces without their newline, as a slow agent's pipe gives them.
  const child = spawn(process.execPath, ["-e", PIECEWISE_WRITER, join(dir, "output.jsonl")], { stdio: ["pipe", "pipe", "inherit"] });
  // It stops reading once it wrote the last piece: an answer to that piece meets a closed pipe.
  child.stdin.on("error", () => {});
  child.stdout.setEncoding("utf8");
  let chunks = 0;
  child.stdout.on("data", (chunk: string) => {
    chunks++;
    log.write("stdout", chunk);
    child.stdin.write("\n");
  });
  await new Promise((done) => child.once("close", done));
  const sizes = log.close();
  const written = readFileSync(join(dir, "j1.stdout.log"), "utf8");
  expect(chunks).toBeGreaterThanOrEqual(Math.ceil(lines.join("").length / 32_000));
  expect(written).toBe([assistant("before"), assistant("between"), longKept.replaceAll(SECRET, "[redacted]"), '{"type":"result"}\n'].join(""));
  expect(sizes).toEqual({ stdout_bytes: Buffer.byteLength(written), stderr_bytes: 0, truncated: false });
});
