import type { ServerContext } from "@modelcontextprotocol/server";

/**
 * Progress for long tools. Sends nothing when the caller gave no progress token.
 *
 * @example
 * await context.progress.report(1, 3, "checked git");
 */
export interface ProgressReporter {
  report(progress: number, total?: number, message?: string): Promise<void>;
  /** Call before returning: lets the last notification reach the client ahead of the result. */
  settle(): Promise<void>;
}

// SDK clients drop a progress notification that arrives in the same read as the result, and some
// hosts tear the transport down on that error (sdk-v2 notes §6.3.4); 10 ms gave 0/180 lost there.
const LAST_PROGRESS_GRACE_MS = 10;

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
      if (sent) await new Promise((resolve) => setTimeout(resolve, LAST_PROGRESS_GRACE_MS));
    },
  };
}
