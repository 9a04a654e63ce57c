/**
 * The board's views of what needs the operator, through the real binary, headless Chromium and
 * the SDK's real MCP client: two workers changing the same lines show their conflict (both names)
 * in the Team view and in "Waiting on you" without a reload; the Messages view shows presence and
 * leaves every unread message unread; a pipeline run is cancelled from the page (its agent process
 * gone); the Usage view shows tokens per day.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { mockPrompt } from "../jobs/support.ts";
import { connectHttp, type TestClient } from "../support/clients.ts";
import { removeTempDirs, runPatchbay, startTestServer, type TestServer } from "../support/patchbay.ts";
import { mockToml, pipelineRepo, scripted } from "../pipeline/helpers.ts";
import { ensureChromium, launchChromium } from "../widget/chromium.ts";
import { until } from "../support/until.ts";
import { alive, streamLive } from "./support.ts";

let server: TestServer;
let client: TestClient;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  const missing = ensureChromium();
  if (missing) throw new Error(`the board's browser tests need Chromium: ${missing}`);
  // No operator token: the server listens on loopback only and the board opens without a login (tests/board/board.test.ts logs in).
  server = await startTestServer({ args: ["--root", pipelineRepo(mockToml())] });
  client = await connectHttp("v2-legacy", server.url);
  // Job tools (codex_get_status) are in the standard catalog; a host's session starts in worker mode.
  expect((await client.callTool("codex_tool_mode_switch", { mode: "standard" })).isError).toBeFalsy();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("dialog", (dialog) => void dialog.accept());
  await page.goto(`${new URL(server.url).origin}/board`);
  await streamLive(page);
  await page.evaluate(() => Object.assign(window, { boardMarker: "same page" }));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await client?.close();
  await server?.stop();
  removeTempDirs();
});

const samePage = async () => (await page.evaluate(() => (window as unknown as { boardMarker?: string }).boardMarker)) === "same page";
const text = async (selector: string) => (await page.locator(selector).textContent()) ?? "";

describe("the operator's views", () => {
  test("two workers changing the same lines: the conflict, with both names, in the Team view, the worker's pane and Waiting on you, without a reload", async () => {
    for (const name of ["left", "right"]) {
      const brief = mockPrompt({ write: [{ path: "shared.txt", content: `${name} wrote this line\n` }], message: `wrote shared.txt as ${name}` });
      expect((await client.callTool("codex_worker_start", { name, brief, agent: "mock" })).isError).toBeFalsy();
    }
    await page.getByRole("tab", { name: "Team" }).click();
    const warnings = (name: string) => page.getByRole("list", { name: `${name}'s overlaps and conflicts` });
    await until(async () => (await warnings("left").count()) > 0 && (await warnings("right").count()) > 0, "both workers' conflict warnings");
    expect(await warnings("left").textContent()).toBe("left conflicts with right in shared.txt");
    expect(await warnings("right").textContent()).toBe("right conflicts with left in shared.txt");

    await page.getByRole("button", { name: "Open worker left" }).click();
    const preview = page.locator("#detail").getByRole("list", { name: "overlaps and conflicts", exact: true });
    await preview.waitFor();
    expect(await preview.textContent()).toBe("left conflicts with right in shared.txt");

    await page.getByRole("tab", { name: /Waiting on you/ }).click();
    const conflict = page.locator("tr", { hasText: "Conflict" });
    await conflict.waitFor();
    expect(await conflict.locator("td").allTextContents()).toEqual(["Conflict", "left, right", "left conflicts with right in shared.txt", "Open"]);
    expect(await samePage()).toBe(true);
  });

  test("the Messages view shows each agent's presence; opening the board and an agent's pane leaves every unread message unread", async () => {
    for (const name of ["alice", "bob"]) expect((await runPatchbay(["token", "add", name], { home: server.home })).code).toBe(0);
    // alice sends (she is seen doing it); bob has read nothing.
    expect((await client.callTool("send_message", { to: "bob", content: "unread until bob reads it", as: "alice@default" })).isError).toBeFalsy();
    const unread = async () => JSON.parse((await runPatchbay(["msg", "status", "--as", "bob@default", "--json"], { home: server.home })).stdout);
    const before = await unread();
    expect(before).toMatchObject({ server_running: true, unread: 1, from: ["alice@default"] });

    await page.getByRole("tab", { name: "Messages" }).click();
    const row = (agent: string) => page.locator("tr", { has: page.getByRole("button", { name: `Open agent ${agent}` }) });
    await until(async () => (await row("alice@default").textContent()) ?? "", "alice shown active", { accept: (text) => text.includes("active") });
    expect(await row("bob@default").locator("td").allTextContents()).toEqual(["bob@default", "default", "away", "never"]);
    await page.getByRole("button", { name: "Open agent bob@default" }).click();
    await page.locator("#detail li", { hasText: "unread until bob reads it" }).waitFor();
    await page.getByRole("button", { name: "Open agent alice@default" }).click();
    await page.getByRole("heading", { name: "Agent alice@default" }).waitFor();

    // Still unread for bob, who was only looked at: never seen, and his inbox still hands the message over.
    expect(await unread()).toEqual(before);
    expect(await row("bob@default").locator("td").allTextContents()).toEqual(["bob@default", "default", "away", "never"]);
    const inbox = await client.callTool("inbox", { as: "bob@default" });
    expect((inbox.structuredContent as { pending: Array<{ content: string }> }).pending.map((message) => message.content)).toEqual([
      "unread until bob reads it",
    ]);
    expect(await samePage()).toBe(true);
  });

  test("cancelling a pipeline run from the page ends the run and its agent process", async () => {
    const task = scripted("a slow writer", { write: { sleep_ms: 120_000, message: "too late" } });
    const planned = await client.callTool("patchbay_plan", { task, mock: true });
    expect(planned.isError).toBeFalsy();
    const runId = (planned.structuredContent as { run_id: string }).run_id;
    expect((await client.callTool("patchbay_approve", { run_id: runId })).isError).toBeFalsy();
    expect((await client.callTool("patchbay_write", { run_id: runId, background: true, mock: true })).isError).toBeFalsy();
    const run = async () => (await client.callTool("patchbay_status", { run_id: runId })).structuredContent as { state: string };
    // The write phase's agent job, once its process runs (the run lists its jobs when a phase ends).
    let pid: number | undefined;
    await until(async () => {
      const listed = await runPatchbay(["job", "list", "--json"], { home: server.home });
      const jobs = JSON.parse(listed.stdout) as Array<{ title?: string; state: string; pid?: number }>;
      pid = jobs.find((job) => job.title === `write ${runId}` && job.state === "running")?.pid;
      return pid !== undefined;
    }, "the write phase's agent to run");
    expect(alive(pid!)).toBe(true);

    await page.getByRole("tab", { name: "Runs" }).click();
    await page.getByRole("button", { name: `Cancel run ${runId}` }).click();
    await until(async () => (await run()).state, "the run to be cancelled", { accept: (state) => state === "cancelled" });
    await until(() => !alive(pid!), "the write phase's agent to be gone");
    await until(async () => (await page.locator("tr", { hasText: runId }).textContent()) ?? "", "the run's row to say cancelled", {
      accept: (text) => text.includes("cancelled"),
    });
    expect(await page.getByRole("button", { name: `Cancel run ${runId}` }).count()).toBe(0);
    expect(await samePage()).toBe(true);
  });

  test("the Usage view shows today's tokens from the ledger", async () => {
    await page.getByRole("tab", { name: "Usage" }).click();
    const today = new Date().toISOString().slice(0, 10);
    const row = page.locator("tr", { hasText: today });
    await row.waitFor();
    const [day, turns, usage] = await row.locator("td").allTextContents();
    expect(day).toBe(today);
    expect(Number(turns)).toBeGreaterThanOrEqual(2);
    expect(usage).toMatch(/^\d+ tokens · unpriced turns$/);
    expect(await text("caption")).toBe("Usage per day");
  });
});
