/**
 * The Team view with 1,000 finished jobs, through the real binary and headless Chromium: the
 * state store of a server not yet started holds them (written with the product's own record
 * store and job ids); the view shows the newest first and keeps a bounded number of rows in the
 * page, paging through the rest.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { appendEvent, newJobId, type JobRecord } from "../../src/jobs/record.ts";
import { createRecordStore } from "../../src/state/index.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";
import { ensureChromium, launchChromium } from "../widget/chromium.ts";
import { closeAll, until } from "./support.ts";

const JOBS = 1000;
let server: TestServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  const missing = ensureChromium();
  if (missing) throw new Error(`the board's browser tests need Chromium: ${missing}`);
  const home = tempDir("patchbay-board-jobs-");
  const repo = makeGitRepo({ "README.md": "hello\n" });
  const store = await createRecordStore({ home });
  const start = Date.now() - JOBS * 1000;
  for (let i = 0; i < JOBS; i++) {
    const at = new Date(start + i * 1000).toISOString();
    const record: JobRecord = {
      id: newJobId(start + i * 1000),
      kind: "run",
      state: "succeeded",
      agent: "mock",
      repo,
      cwd: repo,
      access: "read_only",
      title: `job number ${i + 1}`,
      created_at: at,
      started_at: at,
      finished_at: at,
      exit: { code: 0, signal: null, ended_by: "exit" },
      events: [],
      logs: { stdout: "", stderr: "", stdout_bytes: 0, stderr_bytes: 0, truncated: false },
    };
    appendEvent(record, `finished ${i + 1}`);
    await store.put("job", record.id, record);
  }
  await store.close();
  server = await startTestServer({ home, args: ["--root", repo] });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${new URL(server.url).origin}/board`);
  await until(async () => (await page.locator("#live").textContent())?.startsWith("Live") ?? false);
}, 120_000);

afterAll(() => closeAll(browser, server));

const jobRows = () => page.getByRole("table", { name: "Jobs" }).locator("tbody tr");
const firstTitles = async () => (await jobRows().locator("td:nth-child(3)").allTextContents()).slice(0, 2);

test("1,000 finished jobs: the newest first, 50 rows in the page at a time, the rest a page away", async () => {
  await page.getByRole("tab", { name: "Team" }).click();
  await page.getByRole("heading", { name: `Jobs: 0 running, 0 queued, ${JOBS} finished` }).waitFor();
  expect(await jobRows().count()).toBe(50);
  expect(await firstTitles()).toEqual([`job number ${JOBS}`, `job number ${JOBS - 1}`]);
  expect(await jobRows().first().locator("td").nth(4).textContent()).toBe(`finished ${JOBS}`);
  const pages = page.getByRole("navigation", { name: "job pages" });
  expect(await pages.textContent()).toContain("page 1 of 20");

  await pages.getByRole("button", { name: "Next" }).click();
  await until(async () => (await pages.textContent())?.includes("page 2 of 20") === true);
  expect(await jobRows().count()).toBe(50);
  expect(await firstTitles()).toEqual([`job number ${JOBS - 50}`, `job number ${JOBS - 51}`]);
  // The whole page stays small: the other 950 jobs are not in the DOM.
  expect(await page.locator("tr").count()).toBeLessThan(60);
});
