/** What the board's browser tests share: waiting for the page's live stream, whether a process still runs, and cancelling a job from the page. */
import { expect } from "bun:test";
import type { Page } from "playwright-core";
import { mockPrompt } from "../jobs/support.ts";
import type { TestClient } from "../support/clients.ts";
import { removeTempDirs } from "../support/patchbay.ts";
import { until } from "../support/until.ts";

/** Waits until the page says its event stream is live ("Live" in #live): from then on it shows changes without a reload. */
export async function streamLive(page: Page): Promise<void> {
  await until(async () => (await page.locator("#live").textContent()) ?? "", "the board's stream to be live", { accept: (text) => text.startsWith("Live") });
}

/** Whether process `pid` still exists (signal 0 only checks). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A slow mock job started by `client`, cancelled with its row's Cancel in the page's Team view:
 * the tool then reports it cancelled, its agent process is gone, and its row and pane say so.
 */
export async function cancelJobFromPage(page: Page, client: TestClient): Promise<void> {
  // Job tools are in the standard catalog; the host's session starts in worker mode.
  expect((await client.callTool("codex_tool_mode_switch", { mode: "standard" })).isError).toBeFalsy();
  const started = await client.callTool("codex_plan_job", { spec: mockPrompt({ sleep_ms: 120_000, message: "slow" }), agent: "mock" });
  expect(started.isError).toBeFalsy();
  const jobId = (started.structuredContent as { job_id: string }).job_id;
  const status = async () => (await client.callTool("codex_get_status", { job_id: jobId })).structuredContent as { state: string; pid?: number };
  await until(async () => (await status()).pid !== undefined, "the job's agent to start");
  const { pid } = await status();
  await page.getByRole("tab", { name: "Team" }).click();
  const row = page.locator("tr", { hasText: jobId });
  await row.getByRole("button", { name: "Cancel" }).click();
  await until(async () => (await status()).state, "the job to be cancelled", { accept: (state) => state === "cancelled" });
  await until(() => !alive(pid!), "the job's agent to be gone");
  await until(async () => (await row.textContent()) ?? "", "the job's row to say cancelled", { accept: (text) => text.includes("cancelled") });
  await page.getByRole("button", { name: `Open job ${jobId}` }).click();
  await page.getByRole("heading", { name: `Job ${jobId}` }).waitFor();
  expect(await page.locator("#detail pre").textContent()).toContain("cancelled");
}

/** Ends what a board test started, in order: its browser, its MCP client, its server, then the temp directories. */
export async function closeAll(...started: Array<{ close?(): Promise<unknown>; stop?(): Promise<unknown> } | undefined>): Promise<void> {
  for (const thing of started) await (thing?.close ?? thing?.stop)?.call(thing);
  removeTempDirs();
}
