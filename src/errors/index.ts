import { ERROR_CODES, type ErrorCode, isErrorCode } from "./codes.ts";

export { ERROR_CODES, type ErrorCode, type ErrorCodeInfo, isErrorCode } from "./codes.ts";
export { editDistance, likelyMeant, type MeantOptions } from "./likely-meant.ts";

/**
 * One error type for the whole product: a stable code, a message that says what went wrong,
 * and a next step that says what to do about it: the thrower's, else the code's default from
 * `ERROR_CODES`. Mapped once to MCP tool errors (`src/mcp`), once to HTTP statuses (`src/http`)
 * and once to CLI exit codes (`src/cli`).
 *
 * @example
 * throw new PatchbayError("config_invalid", "server.port: expected 1-65535, got \"abc\"", {
 *   next: "fix server.port in ~/.patchbay/config.toml",
 * });
 */
export class PatchbayError extends Error {
  readonly code: ErrorCode;
  readonly next?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: { next?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PatchbayError";
    this.code = code;
    this.next = options.next ?? (isErrorCode(code) ? ERROR_CODES[code].next : undefined);
    this.details = options.details;
  }

  /**
   * An error another patchbay process answered with (over the control port, or from a server tool),
   * its code kept as sent even when a server of another version sends one this build does not list.
   */
  static received(error: { code: string; message: string; next?: string }): PatchbayError {
    return new PatchbayError(error.code as ErrorCode, error.message, { next: error.next });
  }

  /** Whether the next step is the code's default from `ERROR_CODES`, which a caller knowing a more specific step may replace. */
  get hasDefaultNext(): boolean {
    return this.next !== undefined && isErrorCode(this.code) && this.next === ERROR_CODES[this.code].next;
  }

  /** The message and the next step as one line a person can act on. */
  get text(): string {
    return this.next ? `${this.message} (${this.next})` : this.message;
  }

  toJSON(): { code: ErrorCode; message: string; next?: string; details?: Record<string, unknown> } {
    return { code: this.code, message: this.message, ...(this.next && { next: this.next }), ...(this.details && { details: this.details }) };
  }
}

export function isPatchbayError(value: unknown): value is PatchbayError {
  return value instanceof PatchbayError;
}

/** Any thrown value as a PatchbayError, keeping the code of one that already is. */
export function asPatchbayError(value: unknown, fallbackCode: ErrorCode = "internal_error"): PatchbayError {
  if (value instanceof PatchbayError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new PatchbayError(fallbackCode, message, { cause: value });
}

/** The CLI exit code from `ERROR_CODES`: 1 for a failed check or operation, 2 for bad input, 3 when the state is owned elsewhere. */
export function exitCodeFor(error: PatchbayError): number {
  return isErrorCode(error.code) ? ERROR_CODES[error.code].exit : 1;
}

/** The HTTP status from `ERROR_CODES`, for a route that answers an error itself. */
export function httpStatusFor(error: PatchbayError): number {
  return isErrorCode(error.code) ? ERROR_CODES[error.code].http : 400;
}
