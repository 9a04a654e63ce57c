/**
 * One error type for the whole product: a stable code, a message that says what went wrong,
 * and a next step that says what to do about it. Mapped once to MCP tool errors
 * (`src/mcp`), once to HTTP statuses (`src/http`) and once to CLI exit codes (`src/cli`).
 *
 * @example
 * throw new PatchbayError("config_invalid", "server.port: expected 1-65535, got \"abc\"", {
 *   next: "fix server.port in ~/.patchbay/config.toml",
 * });
 */
export class PatchbayError extends Error {
  readonly code: string;
  readonly next?: string;
  readonly details?: Record<string, unknown>;

  constructor(code: string, message: string, options: { next?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PatchbayError";
    this.code = code;
    this.next = options.next;
    this.details = options.details;
  }

  /** The message and the next step as one line a person can act on. */
  get text(): string {
    return this.next ? `${this.message} (${this.next})` : this.message;
  }

  toJSON(): { code: string; message: string; next?: string; details?: Record<string, unknown> } {
    return { code: this.code, message: this.message, ...(this.next && { next: this.next }), ...(this.details && { details: this.details }) };
  }
}

export function isPatchbayError(value: unknown): value is PatchbayError {
  return value instanceof PatchbayError;
}

/** Any thrown value as a PatchbayError, keeping the code of one that already is. */
export function asPatchbayError(value: unknown, fallbackCode = "internal_error"): PatchbayError {
  if (value instanceof PatchbayError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new PatchbayError(fallbackCode, message, { cause: value });
}

/** CLI exit codes: 1 for a failed check or operation, 2 for bad input, 3 when the state is owned elsewhere. */
export function exitCodeFor(error: PatchbayError): number {
  if (error.code === "usage" || error.code === "config_invalid" || error.code.startsWith("invalid_")) return 2;
  if (error.code === "server_running" || error.code === "state_owned") return 3;
  return 1;
}
