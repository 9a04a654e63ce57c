/**
 * A run's pane on the board, through the real binary, headless Chromium and the SDK's real MCP
 * client: PLAN.md (written by an agent, so untrusted) renders as markdown with nothing of its own
 * running or loading, and the open pane follows the run live without losing its scroll position.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { connectHttp, type TestClient } from "../support/clients.ts";
import { startTestServer, type TestServer } from "../support/patchbay.ts";
import { mockToml, pipelineRepo, scripted } from "../pipeline/helpers.ts";
import { ensureChromium, launchChromium } from "../widget/chromium.ts";
import { until } from "../support/until.ts";
import { closeAll, streamLive } from "./support.ts";

let server: TestServer;
let client: TestClient;
let browser: Browser;
let page: Page;
const dialogs: string[] = [];
const requests: string[] = [];

beforeAll(async () => {
  const missing = ensureChromium();
  if (missing) throw new Error(`the board's browser tests need Chromium: ${missing}`);
  server = await startTestServer({ args: ["--root", pipelineRepo(mockToml())] });
  client = await connectHttp("v2-legacy", server.url);
  browser = await launchChromium();
  // A short window, so the page scrolls to reach the end of the pane.
  page = await browser.newPage({ viewport: { width: 1280, height: 500 } });
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on("request", (request) => requests.push(request.url()));
  await page.goto(`${new URL(server.url).origin}/board`);
  await streamLive(page);
}, 60_000);

afterAll(() => closeAll(browser, client, server));

const origin = () => new URL(server.url).origin;

/** Plans a mock run whose PLAN.md is `plan`; its run id. */
async function planned(task: string, plan: string): Promise<string> {
  const answer = await client.callTool("patchbay_plan", { task: scripted(task, { plan: { message: plan } }), mock: true });
  expect(answer.isError).toBeFalsy();
  return (answer.structuredContent as { run_id: string }).run_id;
}

async function openRun(runId: string): Promise<void> {
  await page.getByRole("tab", { name: "Runs" }).click();
  await page.getByRole("button", { name: `Open run ${runId}` }).click();
  await page.getByRole("heading", { name: `Run ${runId}` }).waitFor();
}

describe("a run's pane", () => {
  test("PLAN.md renders its headings and lists as elements; its HTML, images and javascript: links stay inert text", async () => {
    const plan = [
      "# Plan heading",
      "",
      "- step one",
      "- step two",
      "",
      "<script>alert('script ran')</script>",
      "",
      `<img src="${origin()}/board/img-loaded" onerror="alert('onerror ran')">`,
      "",
      `[run me](javascript:alert('link ran')) and [the docs](https://example.com/docs) ![pixel](${origin()}/board/pixel-loaded)`,
    ].join("\n");
    const runId = await planned("an agent's hostile plan", plan);
    await openRun(runId);
    const rendered = page.getByLabel("PLAN.md");
    await rendered.waitFor();

    expect(await rendered.getByRole("heading", { level: 1 }).allTextContents()).toEqual(["Plan heading"]);
    expect(await rendered.locator("li").allTextContents()).toEqual(["step one", "step two"]);
    // The agent's markup is shown as the text it wrote, and nothing of it became an element.
    const shown = (await rendered.textContent()) ?? "";
    expect(shown).toContain("<script>alert('script ran')</script>");
    expect(shown).toContain(`<img src="${origin()}/board/img-loaded" onerror="alert('onerror ran')">`);
    expect(await page.locator("#detail script, #detail img, #detail [onerror], #detail iframe").count()).toBe(0);
    // Only the http(s) link is a link, and it opens without handing the board to the other page.
    const links = await rendered.locator("a").evaluateAll((anchors) => anchors.map((a) => [a.getAttribute("href"), a.getAttribute("rel"), a.textContent]));
    expect(links).toEqual([["https://example.com/docs", "noopener noreferrer", "the docs"]]);
    expect(shown).toContain("run me");
    // The text "run me" is not clickable into script: clicking it opens nothing and runs nothing.
    await rendered.getByText("run me").click();
    expect(dialogs).toEqual([]);
    expect(requests.filter((url) => url.includes("-loaded"))).toEqual([]);
  });

  test("the open pane follows the run live and keeps the page's scroll position", async () => {
    const long = ["# A long plan", "", ...Array.from({ length: 80 }, (_, i) => `- step ${i + 1}`)].join("\n");
    const runId = await planned("a long plan", long);
    await openRun(runId);
    const state = page.locator("#detail p", { hasText: /^State: / });
    expect(await state.textContent()).toStartWith("State: planned");
    await page.locator("#detail").getByText("step 80").scrollIntoViewIfNeeded();
    const scrolled = await page.evaluate(() => window.scrollY);
    expect(scrolled).toBeGreaterThan(0);

    // Approved elsewhere (an MCP host), not on the page: the pane shows it without a click or reload.
    expect((await client.callTool("patchbay_approve", { run_id: runId })).isError).toBeFalsy();
    await until(async () => (await state.textContent()) ?? "", "the run to leave planned", { accept: (text) => !text.startsWith("State: planned") });
    expect(await state.textContent()).toStartWith("State: approved");
    expect(await page.evaluate(() => window.scrollY)).toBe(scrolled);
    expect(await page.getByRole("heading", { name: `Run ${runId}` }).count()).toBe(1);
  });
});
