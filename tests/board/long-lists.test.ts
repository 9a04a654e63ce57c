/**
 * The Team view's long lists, through the real binary and headless Chromium: 1,000 finished jobs
 * and 100 workers in the state store (written with the product's record store and ids) before the
 * server starts. Each list is a window of rows over the whole list: the page holds a bounded
 * number of rows, the last job is reached by scrolling and by the keyboard (End, arrow keys), and
 * the filter finds a job the window does not show.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser, Locator, Page } from "playwright-core";
import { appendEvent, newJobId, type JobRecord } from "../../src/jobs/record.ts";
import { createRecordStore } from "../../src/state/index.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";
import { ensureChromium, launchChromium } from "../widget/chromium.ts";
import { until } from "../support/until.ts";
import { workerRecord } from "../workers/support.ts";
import { closeAll, streamLive } from "./support.ts";

const JOBS = 1000;
const WORKERS = 100;
/** Rows a window may draw: a screenful and its margins, far below the lists' lengths. */
const MAX_DRAWN = 60;
let server: TestServer;
let browser: Browser;
let page: Page;
/** Job ids, oldest ("job number 1") first. */
const jobIds: string[] = [];

beforeAll(async () => {
  const missing = ensureChromium();
  if (missing) throw new Error(`the board's browser tests need Chromium: ${missing}`);
  const home = tempDir("patchbay-board-lists-");
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
    jobIds.push(record.id);
  }
  for (let i = 1; i <= WORKERS; i++) {
    const at = new Date(start + i * 1000).toISOString();
    const worker = workerRecord(repo, `helper-${String(i).padStart(3, "0")}`, at);
    await store.put("worker", worker.id, worker);
  }
  await store.close();
  server = await startTestServer({ home, args: ["--root", repo] });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  // The spacers' heights are set from the script: record anything the page's CSP refuses.
  await page.addInitScript(() => {
    const seen: string[] = [];
    Object.assign(window, { cspViolations: seen });
    document.addEventListener("securitypolicyviolation", (event) => seen.push(`${event.violatedDirective}: ${event.sourceFile}`));
  });
  await page.goto(`${new URL(server.url).origin}/board`);
  await streamLive(page);
}, 180_000);

afterAll(() => closeAll(browser, server));

const list = (name: string) => page.getByRole("table", { name });
/** The rows a list has drawn (not its spacers). */
const drawn = (table: Locator) => table.locator("tbody tr[data-index]");
const scroller = (table: Locator) => table.locator("xpath=..");
const focusedLabel = () => page.evaluate(() => document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.textContent ?? "");

test("1,000 jobs and 100 workers: each list draws a bounded window, newest job first, and says how long it is", async () => {
  await page.getByRole("tab", { name: "Team" }).click();
  await page.getByRole("heading", { name: `Jobs: 0 running, 0 queued, ${JOBS} finished` }).waitFor();
  const jobs = list("Jobs");
  const workers = list("Workers");
  expect(await jobs.getAttribute("aria-rowcount")).toBe(String(JOBS + 1));
  expect(await workers.getAttribute("aria-rowcount")).toBe(String(WORKERS + 1));
  expect(await drawn(jobs).count()).toBeLessThan(MAX_DRAWN);
  expect(await drawn(workers).count()).toBeLessThan(MAX_DRAWN);
  expect(await page.locator("tr").count()).toBeLessThan(3 * MAX_DRAWN);
  expect((await drawn(jobs).locator("td:nth-child(3)").allTextContents()).slice(0, 2)).toEqual([`job number ${JOBS}`, `job number ${JOBS - 1}`]);
  expect(await drawn(jobs).first().locator("td").nth(4).textContent()).toBe(`finished ${JOBS}`);
});

test("the last job and the last worker are reached by scrolling, and the window stays bounded", async () => {
  const jobs = list("Jobs");
  await scroller(jobs).evaluate((box) => {
    box.scrollTop = box.scrollHeight;
  });
  const last = page.getByRole("button", { name: `Open job ${jobIds[0]}` });
  await last.waitFor();
  expect(await jobs.locator("tr", { has: last }).locator("td").nth(2).textContent()).toBe("job number 1");
  expect(await jobs.locator("tr", { has: last }).getAttribute("aria-rowindex")).toBe(String(JOBS + 1));
  expect(await drawn(jobs).count()).toBeLessThan(MAX_DRAWN);
  // The spacers stand for exactly the rows not drawn: scrolled to the end, the last row ends where the list's box does.
  const gap = await scroller(jobs).evaluate((box) => {
    const rows = box.querySelectorAll("tbody tr[data-index]");
    return box.getBoundingClientRect().bottom - rows[rows.length - 1]!.getBoundingClientRect().bottom;
  });
  expect(Math.abs(gap)).toBeLessThan(3);

  const workers = list("Workers");
  await scroller(workers).evaluate((box) => {
    box.scrollTop = box.scrollHeight;
  });
  await workers.locator(`tr[aria-rowindex="${WORKERS + 1}"]`).waitFor();
  expect(await drawn(workers).count()).toBeLessThan(MAX_DRAWN);
  expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
});

test("the keyboard reaches the last job: End from the first row, then the arrow keys move row by row", async () => {
  const jobs = list("Jobs");
  await scroller(jobs).evaluate((box) => {
    box.scrollTop = 0;
  });
  const first = page.getByRole("button", { name: `Open job ${jobIds[JOBS - 1]}` });
  await first.waitFor();
  await first.focus();
  await page.keyboard.press("End");
  await until(focusedLabel, "the newest job focused", { accept: (label) => label === `Open job ${jobIds[0]}` });
  await page.keyboard.press("ArrowUp");
  await until(focusedLabel, "the second job focused", { accept: (label) => label === `Open job ${jobIds[1]}` });
  await page.keyboard.press("Home");
  await until(focusedLabel, "the oldest job focused", { accept: (label) => label === `Open job ${jobIds[JOBS - 1]}` });
  await page.keyboard.press("ArrowDown");
  await until(focusedLabel, "the second oldest job focused", { accept: (label) => label === `Open job ${jobIds[JOBS - 2]}` });
  expect(await drawn(jobs).count()).toBeLessThan(MAX_DRAWN);
  // Enter on the focused row opens it, as a click would.
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { name: `Job ${jobIds[JOBS - 2]}` }).waitFor();
});

test("the filter finds the oldest job, which the window had not drawn", async () => {
  const jobs = list("Jobs");
  await scroller(jobs).evaluate((box) => {
    box.scrollTop = 0;
  });
  await page.getByRole("button", { name: `Open job ${jobIds[JOBS - 1]}` }).waitFor();
  expect(await page.getByRole("button", { name: `Open job ${jobIds[0]}` }).count()).toBe(0);
  await page.getByLabel("Filter jobs").fill(jobIds[0]!);
  await page.getByRole("button", { name: `Open job ${jobIds[0]}` }).waitFor();
  expect(await drawn(jobs).count()).toBe(1);
  expect(await drawn(jobs).locator("td").nth(2).textContent()).toBe("job number 1");
  expect(await page.locator(".vlist", { has: jobs }).locator(".count-line").textContent()).toBe(`1 of ${JOBS} jobs shown`);
  expect(await jobs.getAttribute("aria-rowcount")).toBe("2");
});
