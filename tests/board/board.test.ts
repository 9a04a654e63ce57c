/**
 * The board (`/board`) through the real binary, headless Chromium and the SDK's real MCP client:
 * a server with an operator token, the login page, two mock workers started over MCP appearing
 * without a reload, a worker's diff, integrating it from the page (the file lands in the base
 * checkout), approving a plan from the page (the run advances), sending a message as an agent,
 * and the refusals: no data without the login, 403 for a foreign Origin, the CSP header.
 * With BOARD_SCREENSHOTS=1 it also writes docs/board/*.png, the README's pictures.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { mockPrompt } from "../jobs/support.ts";
import { connectHttp, type TestClient } from "../support/clients.ts";
import { removeTempDirs, repoRoot, runPatchbay, startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";
import { mockToml, pipelineRepo } from "../pipeline/helpers.ts";
import { ensureChromium, launchChromium } from "../widget/chromium.ts";
import { until } from "../support/until.ts";
import { cancelJobFromPage, streamLive } from "./support.ts";

const TOKEN = "board-operator-token-0123456789abcdef";
const SCREENSHOTS = process.env.BOARD_SCREENSHOTS === "1";

let server: TestServer;
let client: TestClient;
let browser: Browser;
let page: Page;
let repo: string;
let board: string;
let origin: string;

beforeAll(async () => {
  const missing = ensureChromium();
  if (missing) throw new Error(`the board's browser tests need Chromium: ${missing}`);
  repo = pipelineRepo(mockToml());
  server = await startTestServer({ args: ["--root", repo], env: { PATCHBAY_HTTP_TOKEN: TOKEN } });
  origin = new URL(server.url).origin;
  board = `${origin}/board`;
  client = await connectHttp("v2-legacy", server.url, { token: TOKEN });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("dialog", (dialog) => void dialog.accept());
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await client?.close();
  await server?.stop();
  removeTempDirs();
});

async function shot(name: string): Promise<void> {
  if (SCREENSHOTS) await page.screenshot({ path: join(repoRoot, "docs", "board", `${name}.png`), fullPage: true });
}

const workerBrief = (file: string, content: string) => mockPrompt({ write: [{ path: file, content }], message: `wrote ${file}` });

describe("without the operator's login", () => {
  test("GET /board answers the login form with a strict CSP and no board data; the stream, details and actions refuse with 401", async () => {
    const answer = await fetch(board);
    expect(answer.status).toBe(200);
    const html = await answer.text();
    expect(html).toContain('action="/board/login"');
    expect(html).not.toContain("data-csrf");
    expect(html).not.toContain(repo);
    expect(answer.headers.get("content-security-policy")).toStartWith("default-src 'none'; style-src 'nonce-");
    for (const path of ["/board/events", `/board/detail?kind=run&id=x&repo=${encodeURIComponent(repo)}`]) {
      const refused = await fetch(`${origin}${path}`);
      expect(refused.status).toBe(401);
      expect(await refused.text()).not.toContain(repo);
    }
    const action = await fetch(`${board}/action`, {
      method: "POST",
      headers: { origin, "content-type": "application/json" },
      body: JSON.stringify({ action: "cancel_job", id: "job_x" }),
    });
    expect(action.status).toBe(401);
  });

  test("a wrong token sets no cookie; a login posted from another origin gets 403", async () => {
    const wrong = await fetch(`${board}/login`, { method: "POST", redirect: "manual", headers: { origin }, body: new URLSearchParams({ token: "nope" }) });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    const foreign = await fetch(`${board}/login`, {
      method: "POST",
      redirect: "manual",
      headers: { origin: "http://evil.example" },
      body: new URLSearchParams({ token: TOKEN }),
    });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get("set-cookie")).toBeNull();
  });
});

describe("the board in a browser", () => {
  test("log in with the operator token: an HttpOnly SameSite=Strict cookie, then the board under a CSP that allows only its own nonce", async () => {
    await page.goto(board);
    await page.getByLabel("Operator token").fill(TOKEN);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url() === board && r.request().method() === "GET"),
      page.getByRole("button", { name: "Log in" }).click(),
    ]);
    const csp = response.headers()["content-security-policy"]!;
    expect(csp).toMatch(/^default-src 'none'; script-src 'nonce-[^']+'; style-src 'nonce-[^']+'; connect-src 'self';/);
    expect(csp).not.toContain("unsafe-inline");
    const [cookie] = await page.context().cookies(board);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/board" });
    await page.getByRole("tab", { name: "Team" }).waitFor();
    await streamLive(page);
  });

  test("two workers started over MCP appear without a reload, with their usage; a worker's diff opens; integrating from the page lands its file; a refusal shows the tool's words", async () => {
    await page.evaluate(() => Object.assign(window, { boardMarker: "same page" }));
    for (const [name, file] of [
      ["alpha", "alpha.txt"],
      ["beta", "beta.txt"],
    ] as const) {
      const started = await client.callTool("codex_worker_start", { name, brief: workerBrief(file, `from ${name}\n`), agent: "mock" });
      expect(started.isError).toBeFalsy();
    }
    const row = (name: string) => page.locator("tr", { has: page.getByRole("button", { name: `Open worker ${name}` }) });
    await until(
      async () => (await row("alpha").textContent())?.includes("idle") === true && (await row("beta").textContent())?.includes("idle") === true,
      "both workers idle",
    );
    expect(await page.evaluate(() => (window as unknown as { boardMarker?: string }).boardMarker)).toBe("same page");
    // Each worker's usage from the ledger (the mock agent reports tokens; it has no price).
    await until(async () => (await row("alpha").textContent()) ?? "", "alpha's usage", { accept: (text) => /\d+ tokens · unpriced turns/.test(text) });
    await shot("team");

    await page.getByRole("button", { name: "Open worker alpha" }).click();
    await page.getByRole("button", { name: /^alpha\.txt/ }).click();
    const diff = page.getByLabel("diff");
    await diff.waitFor();
    expect(await diff.locator(".add").allTextContents()).toContain("+from alpha\n");
    await shot("worker");

    expect(existsSync(join(repo, "alpha.txt"))).toBe(false);
    await page.getByRole("button", { name: "Integrate" }).click();
    await until(() => existsSync(join(repo, "alpha.txt")), "alpha's file in the base checkout");
    expect(readFileSync(join(repo, "alpha.txt"), "utf8")).toBe("from alpha\n");
    expect(existsSync(join(repo, "beta.txt"))).toBe(false);
    // The integration is in the audit log like a host's call; the views' repeated reads are not.
    const audit = () =>
      readFileSync(join(server.home, "logs", "audit.log"), "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { tool: string; outcome: string });
    await until(
      () => existsSync(join(server.home, "logs", "audit.log")) && audit().some((entry) => entry.tool === "codex_worker_integrate"),
      "the integration in the audit log",
    );
    expect(audit().filter((entry) => entry.tool === "codex_worker_integrate")).toEqual([expect.objectContaining({ outcome: "ok", repo })]);
    expect(audit().filter((entry) => entry.tool === "codex_worker_list")).toEqual([]);
    await until(async () => (await page.locator("#notice").textContent()) ?? "", "the notice naming alpha", { accept: (text) => text.includes("alpha") });

    // A second integration is refused by the tool, and the page shows the tool's own words.
    await page.getByRole("button", { name: "Integrate" }).click();
    await until(async () => page.locator("#notice").getAttribute("class"), "the notice to show an error", { accept: (kind) => kind === "notice error" });
    const host = await client.callTool("codex_worker_integrate", { worker: "alpha", takeover: true, takeover_reason: "test" });
    expect(host.isError).toBe(true);
    // The same refusal a host gets (a host over HTTP sees the repository as ".", the board its path).
    const code = (host._meta!["patchbay/error"] as { code: string }).code;
    const hostText = host.content!.map((block) => block.text ?? "").join("\n");
    expect(await page.locator("#notice").textContent()).toBe(hostText.replace("base checkout . has", `base checkout ${repo} has`));
    expect(hostText).toStartWith(`[${code}]`);
    expect(readFileSync(join(repo, "alpha.txt"), "utf8")).toBe("from alpha\n");
  });

  test("a plan waits on the operator; approving it from the page advances the run; a forged approval from another origin does not", async () => {
    const planned = await client.callTool("patchbay_plan", { task: "a task from the board test", mock: true });
    expect(planned.isError).toBeFalsy();
    const runId = (planned.structuredContent as { run_id: string }).run_id;
    const state = async () => ((await client.callTool("patchbay_status", { run_id: runId })).structuredContent as { state: string }).state;

    // The page's own cookie and CSRF token, but another Origin: refused, and the run stays planned.
    const cookies = (await page.context().cookies(board)).map((c) => `${c.name}=${c.value}`).join("; ");
    const csrf = (await page.locator("body").getAttribute("data-csrf"))!;
    const forged = await fetch(`${board}/action`, {
      method: "POST",
      headers: { origin: "http://evil.example", cookie: cookies, "x-patchbay-csrf": csrf, "content-type": "application/json" },
      body: JSON.stringify({ action: "approve", id: runId, repo }),
    });
    expect(forged.status).toBe(403);
    expect(await state()).toBe("planned");

    await page.getByRole("tab", { name: /Waiting on you/ }).click();
    const waiting = page.locator("tr", { hasText: runId });
    await waiting.waitFor();
    expect(await waiting.textContent()).toContain("Plan to approve");
    await shot("waiting");
    await waiting.getByRole("button", { name: "Approve plan" }).click();
    await until(state, "the run to be approved", { accept: (now) => now === "approved" });
    await page.getByRole("tab", { name: "Runs" }).click();
    await page.getByRole("button", { name: `Open run ${runId}` }).click();
    await page.getByRole("heading", { name: "PLAN.md" }).waitFor();
    await until(async () => (await page.locator("tr", { hasText: runId }).textContent()) ?? "", "the run's row to say approved", {
      accept: (text) => text.includes("approved"),
    });
    await shot("runs");
  });

  test("the views are tabs a keyboard reaches: arrow keys move between them and show their panel", async () => {
    await page.getByRole("tab", { name: "Team" }).click();
    await page.keyboard.press("ArrowRight");
    expect(await page.getByRole("tab", { name: "Runs" }).getAttribute("aria-selected")).toBe("true");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("tab-runs");
    expect(await page.getByRole("tabpanel").getByRole("table").locator("caption").textContent()).toBe("Runs");
    await page.keyboard.press("ArrowLeft");
    expect(await page.getByRole("tab", { name: "Team" }).getAttribute("aria-selected")).toBe("true");
    expect(await page.getByRole("tabpanel").locator("caption").first().textContent()).toBe("Workers");
  });

  test("cancelling a running job from the page stops its agent process", () => cancelJobFromPage(page, client));

  test("a message sent from the page as one agent reaches the other", async () => {
    for (const name of ["alice", "bob"]) expect((await runPatchbay(["token", "add", name], { home: server.home })).code).toBe(0);
    await page.getByRole("tab", { name: "Messages" }).click();
    await page.getByRole("button", { name: "Open agent alice@default" }).click();
    await page.getByLabel("To (NAME or NAME@NAMESPACE)").fill("bob");
    await page.getByLabel("Message", { exact: true }).fill("hello from the board");
    await page.getByRole("button", { name: "Send" }).click();
    // The pane shows the thread it started, and bob has it.
    await page.locator("#detail li", { hasText: "hello from the board" }).waitFor();
    expect(await page.locator("#detail li", { hasText: "hello from the board" }).textContent()).toContain("alice@default \u2192 bob@default");
    await until(async () => {
      const seen = await client.callTool("recall", { as: "bob@default" });
      return JSON.stringify(seen.structuredContent ?? {}).includes("hello from the board");
    }, "bob to have the message");
    await shot("messages");
  });
});

describe("patchbay board", () => {
  test("prints the running server's board URL (JSON with --json); without a server it says how to start one and exits 1", async () => {
    const printed = await runPatchbay(["board"], { home: server.home });
    expect(printed.code).toBe(0);
    expect(printed.stdout.trim()).toBe(board);
    const json = await runPatchbay(["board", "--json"], { home: server.home });
    expect(JSON.parse(json.stdout)).toEqual({ url: board, public_url: null, local_url: board, opened: false });
    const none = await runPatchbay(["board"], { home: tempDir() });
    expect(none.code).toBe(1);
    expect(none.stdout).toBe("");
    expect(none.stderr).toContain("patchbay start");
  });

  test("the whole page, script and style included, weighs under 150 KB compressed", async () => {
    const cookie = (await page.context().cookies(board)).map((c) => `${c.name}=${c.value}`).join("; ");
    const answer = await fetch(board, { headers: { cookie } });
    const html = await answer.text();
    expect(html).toContain("<script nonce=");
    expect(gzipSync(html).byteLength).toBeLessThan(150 * 1024);
  });
});

/** The first `state` event of the board's stream at `url`. */
async function firstState(url: string): Promise<{ repos: Array<{ path: string }>; workers: Array<{ name: string; repo: string }> }> {
  const reader = (await fetch(url)).body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`the stream ended without a state: ${text}`);
    text += decoder.decode(value, { stream: true });
    const event = /event: state\ndata: (.*)\n\n/.exec(text);
    if (event) {
      await reader.cancel();
      return JSON.parse(event[1]!);
    }
  }
}

describe("a server without a token", () => {
  test("listens on loopback only and opens the board without a login, still under the Origin guard; the stream filters by repository", async () => {
    const other = pipelineRepo(mockToml());
    const open = await startTestServer({ args: ["--root", repo, "--allow-root", other] });
    try {
      const host = await connectHttp("v2-legacy", open.url);
      const started = await host.callTool("codex_worker_start", { name: "elsewhere", brief: workerBrief("e.txt", "e\n"), agent: "mock", repo_path: other });
      expect(started.isError).toBeFalsy();
      await host.close();
      const events = `${new URL(open.url).origin}/board/events`;
      const all = await firstState(events);
      expect(all.repos.map((entry) => entry.path).sort()).toEqual([repo, other].sort());
      expect(all.workers.map((worker) => worker.name)).toContain("elsewhere");
      const filtered = await firstState(`${events}?repo=${encodeURIComponent(repo)}`);
      expect(filtered.workers.map((worker) => worker.name)).not.toContain("elsewhere");
      expect(filtered.workers.every((worker) => worker.repo === repo)).toBe(true);
      const local = new URL(open.url).origin;
      const answer = await fetch(`${local}/board`);
      expect(answer.status).toBe(200);
      expect(await answer.text()).toContain("data-csrf=");
      const foreign = await fetch(`${local}/board`, { headers: { origin: "http://evil.example" } });
      expect(foreign.status).toBe(403);
      expect(await foreign.text()).not.toContain("data-csrf");
    } finally {
      await open.stop();
    }
  });
});
