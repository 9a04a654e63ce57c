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
