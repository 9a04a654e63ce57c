import { SdkError, SdkErrorCode, type ServerContext } from "@modelcontextprotocol/server";

/**
 * Progress for long tools. Sends nothing when the caller gave no progress token.
 *
 * @example
 * await context.progress.report(1, 3, "checked git");
 */
export interface ProgressReporter {
  report(progress: number, total?: number, message?: string): Promise<void>;
  /** Call before returning: returns once the client has taken in every notification sent. */
  settle(): Promise<void>;
}

/*
 * SDK clients (v1 and v2) hand a notification to its handler a microtask later but a response at
 * once, so a progress notification read in the same chunk as the result finds its handler gone
 * and is dropped; some hosts tear the transport down on that error. Over
 * HTTP a client reads the SSE stream event by event, so the stream's order is enough. Over stdio
 * a ping settles it: the client answers only after it has dispatched everything sent before it.
 */
const PING_LIMIT_MS = 5_000;
// 2026-era sessions have no request a server may send, so only a short wait is left there: 10 ms gave 0/180 lost.
const MODERN_STDIO_GRACE_MS = 10;

export function createProgressReporter(ctx: ServerContext): ProgressReporter {
  const token = ctx.mcpReq._meta?.progressToken;
  let sent = false;
  return {
    async report(progress, total, message) {
      if (token === undefined || ctx.mcpReq.signal.aborted) return;
      sent = true;
      await ctx.mcpReq.notify({
        method: "notifications/progress",
        params: { progressToken: token, progress, ...(total !== undefined && { total }), ...(message && { message }) },
      });
    },
    async settle() {
      if (!sent || ctx.http || ctx.mcpReq.signal.aborted) return;
      try {
        await ctx.mcpReq.send({ method: "ping" }, { timeout: PING_LIMIT_MS, signal: ctx.mcpReq.signal });
      } catch (error) {
        if (isEraRefusal(error)) await new Promise((resolve) => setTimeout(resolve, MODERN_STDIO_GRACE_MS));
      }
    },
  };
}

function isEraRefusal(error: unknown): boolean {
  return error instanceof SdkError && error.code === SdkErrorCode.MethodNotSupportedByProtocolVersion;
}
