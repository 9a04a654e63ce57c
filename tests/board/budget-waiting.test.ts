/**
 * Budgets on the board, through the real binary and headless Chromium: a turn that takes the day
 * past a soft budget puts that budget in "Waiting on you" (what it is, how far over, the config key
 * that raises it) and in the Usage view with spent and limit, without a reload.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, runPatchbay, startTestServer, type TestServer, tempDir } from "../support/patchbay.ts";
import { ledgerEntries } from "../usage/support.ts";
import { ensureChromium, launchChromium } from "../widget/chromium.ts";
import { streamLive } from "./support.ts";

let server: TestServer;
let browser: Browser;
let page: Page;
const repo = makeGitRepo({ "a.txt": "a\n" });

beforeAll(async () => {
  const missing = ensureChromium();
  if (missing) throw new Error(`the board's browser tests need Chromium: ${missing}`);
  const home = tempDir("pb-board-budget-");
  writeFileSync(join(home, "config.toml"), "[budgets.soft]\ndaily_tokens = 10\n");
  server = await startTestServer({ home, args: ["--root", repo] });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${new URL(server.url).origin}/board`);
  await streamLive(page);
  await page.evaluate(() => Object.assign(window, { boardMarker: "same page" }));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  removeTempDirs();
});

test("a soft budget passed by a turn appears in Waiting on you and in the Usage view, without a reload", async () => {
  await page.getByRole("tab", { name: /Waiting on you/ }).click();
  const budgetRow = page.locator("tr", { hasText: "Budget past its limit" });
  // Nothing spent yet: the budget is ok and waits on nobody.
  await page.getByText("No items waiting on you.").waitFor();
  expect(await budgetRow.count()).toBe(0);

  const run = await runPatchbay(["job", "run", "--agent", "mock", "--repo", repo, "Say something long enough to pass ten tokens", "--json"], {
    home: server.home,
    timeoutMs: 60_000,
  });
  expect(JSON.parse(run.stdout).state, run.stderr).toBe("succeeded");
  const spent = ledgerEntries(server.home).reduce((sum, entry) => sum + entry.input_tokens + entry.output_tokens, 0);
  expect(spent).toBeGreaterThan(10);

  await budgetRow.waitFor();
  expect(await budgetRow.locator("td").allTextContents()).toEqual([
    "Budget past its limit",
    "budgets.soft.daily_tokens",
    `all turns today (UTC): ${spent.toLocaleString("en-US")} tokens spent, ${(spent - 10).toLocaleString("en-US")} tokens over its soft limit of 10 tokens; ` +
      "raise budgets.soft.daily_tokens in config.toml",
    "Show usage",
  ]);

  await budgetRow.getByRole("button", { name: "Show usage" }).click();
  const budgets = page.getByRole("table", { name: "Budgets" });
  await budgets.waitFor();
  expect(await budgets.locator("tbody tr").first().locator("td").allTextContents()).toEqual([
    "all turns today (UTC)",
    `${spent.toLocaleString("en-US")} tokens`,
    "10 tokens",
    "none",
    "soft exceeded",
    "budgets.soft.daily_tokens",
  ]);
  expect(await page.evaluate(() => (window as unknown as { boardMarker?: string }).boardMarker)).toBe("same page");
});
