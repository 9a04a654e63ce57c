import { createConsola } from "consola/basic";

/**
 * The one logger. Everything goes to stderr: on `patchbay stdio`, stdout carries only protocol
 * bytes, and scripts read `--json` output from stdout undisturbed.
 */
export const log = createConsola({
  stdout: process.stderr,
  stderr: process.stderr,
  level: process.env.PATCHBAY_LOG_LEVEL === "debug" ? 4 : 3,
});

const LEVELS = { silent: -999, error: 0, warn: 1, info: 3, debug: 4 } as const;

export function setLogLevel(level: keyof typeof LEVELS): void {
  log.level = LEVELS[level];
}

let redactLine: ((text: string) => string) | undefined;
const clean = (arg: unknown) =>
  !redactLine ? arg : typeof arg === "string" ? redactLine(arg) : arg instanceof Error ? redactLine(arg.stack ?? arg.message) : arg;
log.options.reporters = log.options.reporters.map((reporter) => ({
  log: (entry, context) => reporter.log({ ...entry, args: entry.args.map(clean) }, context),
}));

/**
 * Every later log line passes through `redact` before it is written: the process that owns the
 * state installs its secret redactor, so a token inside an error text never reaches the log.
 */
export function redactLogLines(redact: (text: string) => string): void {
  redactLine = redact;
}
