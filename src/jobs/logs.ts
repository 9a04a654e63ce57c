/**
 * Job logs: `<dir>/<id>.stdout.log` and `<id>.stderr.log`, redacted line by line and capped; the
 * raw output (`<id>.stdout.raw.log`) only with logging.write_raw_job_logs. Written with sync
 * appends: chunks arrive in order and are small, and a killed server loses nothing buffered.
 */
import { closeSync, mkdirSync, openSync, readSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Config } from "../config/index.ts";
import { createLineCutter, type LineCutter } from "./line-cutter.ts";

/** Redacted log bytes kept per stream. */
export const JOB_LOG_CAP_BYTES = 200 * 1024;
/** Raw log bytes kept per stream: more, since raw logs exist for debugging an agent. */
const RAW_LOG_CAP_BYTES = 10 * 1024 * 1024;

export type LogStream = "stdout" | "stderr";

export function jobLogsDir(home: string, config: Config): string {
  return config.logging.job_logs_dir || join(home, "logs", "jobs");
}

export function jobLogFile(dir: string, id: string, stream: LogStream): string {
  return join(dir, `${id}.${stream}.log`);
}

interface StreamLog {
  fd: number;
  rawFd?: number;
  bytes: number;
  rawBytes: number;
  lines: LineCutter;
  truncated: boolean;
}

export interface JobLogWriter {
  write(stream: LogStream, chunk: string): void;
  /** Flushes the last partial lines and closes the files. */
  close(): { stdout_bytes: number; stderr_bytes: number; truncated: boolean };
}

/**
 * A line is held whole up to the cap and a margin: a longer one could only be cut at the cap
 * anyway, so holding more of it would change nothing in the log, while the margin leaves room
 * for redaction to shorten what it held.
 */
const MAX_HELD_CHARS = JOB_LOG_CAP_BYTES + 64 * 1024;

/** Opens both logs of a job for appending (a resumed job writes its own files, under its own id). */
export function openJobLogs(
  dir: string,
  id: string,
  options: { redact: (text: string) => string; raw: boolean; quietLine?: (line: string) => boolean },
): JobLogWriter {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const open = (stream: LogStream): StreamLog => ({
    fd: openSync(jobLogFile(dir, id, stream), "a", 0o600),
    rawFd: options.raw ? openSync(join(dir, `${id}.${stream}.raw.log`), "a", 0o600) : undefined,
    bytes: 0,
    rawBytes: 0,
    // Redact whole lines: a secret split across two chunks must still match.
    lines: createLineCutter(MAX_HELD_CHARS, stream === "stdout" ? options.quietLine : undefined),
    truncated: false,
  });
  const logs: Record<LogStream, StreamLog> = { stdout: open("stdout"), stderr: open("stderr") };

  function append(log: StreamLog, text: string): void {
    if (log.truncated || text === "") return;
    const bytes = Buffer.from(options.redact(text), "utf8");
    const room = JOB_LOG_CAP_BYTES - log.bytes;
    if (bytes.length <= room) {
      writeSync(log.fd, bytes);
      log.bytes += bytes.length;
      return;
    }
    writeSync(log.fd, bytes.subarray(0, Math.max(0, room)));
    writeSync(log.fd, `\n[patchbay: log truncated at ${JOB_LOG_CAP_BYTES} bytes]\n`);
    log.bytes = JOB_LOG_CAP_BYTES;
    log.truncated = true;
  }

  return {
    write(stream, chunk) {
      const log = logs[stream];
      if (log.rawFd !== undefined && log.rawBytes < RAW_LOG_CAP_BYTES) {
        const raw = Buffer.from(chunk, "utf8").subarray(0, RAW_LOG_CAP_BYTES - log.rawBytes);
        writeSync(log.rawFd, raw);
        log.rawBytes += raw.length;
      }
      if (!log.truncated) append(log, log.lines.push(chunk));
    },
    close() {
      for (const log of Object.values(logs)) {
        append(log, log.lines.end());
        closeSync(log.fd);
        if (log.rawFd !== undefined) closeSync(log.rawFd);
      }
      return { stdout_bytes: logs.stdout.bytes, stderr_bytes: logs.stderr.bytes, truncated: logs.stdout.truncated || logs.stderr.truncated };
    },
  };
}

/** Up to `maxBytes` of a job log from `offset`; `size` tells a follower where the file ends now. */
export function readJobLog(file: string, offset: number, maxBytes = 64 * 1024): { text: string; offset: number; size: number } {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return { text: "", offset, size: 0 };
  }
  if (offset >= size) return { text: "", offset, size };
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.alloc(Math.min(maxBytes, size - offset));
    const read = readSync(fd, buffer, 0, buffer.length, offset);
    return { text: buffer.subarray(0, read).toString("utf8"), offset: offset + read, size };
  } finally {
    closeSync(fd);
  }
}
