import { formatWithOptions } from "node:util";
import { createConsola, type ConsolaReporter } from "consola/core";

const bracket = (text: string | undefined) => (text ? `[${text}]` : "");

// Set by redactLogLines: every argument of a line passes through it before it is written.
let redactLine: ((text: string) => string) | undefined;
const clean = (arg: unknown) =>
  !redactLine ? arg : typeof arg === "string" ? redactLine(arg) : arg instanceof Error ? redactLine(arg.stack ?? arg.message) : arg;

/**
 * consola's basic line (`[warn] message`), written to stderr when a line is logged and not before:
 * the first touch of a standard stream loads Bun's stream machinery, several milliseconds of every
 * start, and `patchbay stdio` (a relay) usually logs nothing. consola/basic's reporter cannot wait:
 * importing it makes a logger on process.stdout and stderr at once.
 */
const stderrLines: ConsolaReporter = {
  log(entry) {
    const message = formatWithOptions({}, ...entry.args.map(clean));
    process.stderr.write(`${[bracket(entry.type), bracket(entry.tag), message].filter(Boolean).join(" ")}\n`);
  },
};

/**
 * The one logger. Everything goes to stderr: on `patchbay stdio`, stdout carries only protocol
 * bytes, and scripts read `--json` output from stdout undisturbed.
 */
export const log = createConsola({
  reporters: [stderrLines],
  level: process.env.PATCHBAY_LOG_LEVEL === "debug" ? 4 : 3,
});

const LEVELS = { silent: -999, error: 0, warn: 1, info: 3, debug: 4 } as const;

export function setLogLevel(level: keyof typeof LEVELS): void {
  log.level = LEVELS[level];
}

/**
 * Every later log line passes through `redact` before it is written: the process that owns the
 * state installs its secret redactor, so a token inside an error text never reaches the log.
 */
export function redactLogLines(redact: (text: string) => string): void {
  redactLine = redact;
}
