/**
 * The tool card in real headless Chromium. A small host page embeds the card in a sandboxed
 * iframe (as MCP Apps hosts do), answers its ui/initialize, sends ui/notifications/tool-result
 * with a recorded payload (tests/widget/fixtures, made by record.ts) and sizes the frame from the
 * card's size-changed notifications; the frame is then screenshotted and compared with the
 * committed baseline (tests/widget/baselines) within a small per-pixel tolerance.
 * UPDATE_BASELINES=1 rewrites the baselines instead of comparing.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { WIDGET_HTML } from "../../src/mcp/widget.ts";
import { connectHttp } from "../support/clients.ts";
import { removeTempDirs, startTestServer } from "../support/patchbay.ts";
import { ensureChromium, launchChromium } from "./chromium.ts";
import { compareImages, decodePng } from "./png.ts";

const FIXTURES = join(import.meta.dir, "fixtures");
const BASELINES = join(import.meta.dir, "baselines");
const UPDATE = process.env.UPDATE_BASELINES === "1";
const unavailable = ensureChromium();
if (unavailable) console.warn(`tool-card browser tests skipped: ${unavailable}`);

interface Fixture {
  tool: string;
  result: { content?: unknown[]; structuredContent?: Record<string, unknown>; isError: boolean; _meta?: Record<string, unknown> };
}
const fixture = (name: string): Fixture => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), "utf8"));
const FIXTURE_NAMES = readdirSync(FIXTURES)
  .filter((file) => file.endsWith(".json"))
  .map((file) => file.replace(/\.json$/, ""))
  .sort();
const DARK = new Set(["team-report", "worker-diff", "error-repo-busy", "command-failed", "job-result", "generic-self-test"]);

// The host side of the bridge, in the top page: answers ui/initialize with the theme, then sends
// the tool input and result; records every message the card sends.
const HOST_PAGE = `<!doctype html><html><head><meta charset="utf-8"><style>html,body{margin:0;background:#808080}iframe{display:block;border:0;width:640px;height:40px}</style></head><body>
<script>
window.received = [];
window.sized = 0;
window.startHost = function (html, result, theme) {
  var frame = document.createElement("iframe");
  frame.setAttribute("sandbox", "allow-scripts");
  var sentResult = false;
  window.addEventListener("message", function (event) {
    if (event.source !== frame.contentWindow) return;
    var m = event.data;
    window.received.push(m);
    var reply = function (message) { frame.contentWindow.postMessage(message, "*"); };
    if (m.method === "ui/initialize") {
      reply({ jsonrpc: "2.0", id: m.id, result: {
        protocolVersion: m.params.protocolVersion, hostInfo: { name: "test-host", version: "1" }, hostCapabilities: {},
        hostContext: { theme: theme, displayMode: "inline" },
      } });
    } else if (m.method === "ui/notifications/initialized") {
      reply({ jsonrpc: "2.0", method: "ui/notifications/tool-input", params: { arguments: {} } });
      reply({ jsonrpc: "2.0", method: "ui/notifications/tool-result", params: result });
      sentResult = true;
    } else if (m.method === "ui/notifications/size-changed") {
      frame.style.height = m.params.height + "px";
      if (sentResult) window.sized++;
    }
  });
  frame.srcdoc = html;
  document.body.appendChild(frame);
};
</script></body></html>`;

interface Watched {
  page: Page;
  errors: string[];
  requests: string[];
}

let browser: Browser | undefined;
let artifacts: string;

async function openPage(colorScheme: "light" | "dark"): Promise<Watched> {
  const context = await browser!.newContext({ viewport: { width: 640, height: 400 }, deviceScaleFactor: 1, colorScheme, javaScriptEnabled: true });
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") errors.push(`${message.type()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`pageerror: ${error.message}`));
  page.on("request", (request) => {
    if (!/^(about:|data:)/.test(request.url())) requests.push(request.url());
  });
  await context.route("**/*", (route) => {
    requests.push(route.request().url());
    return route.abort();
  });
  return { page, errors, requests };
}

/** Loads the card in the host page, delivers the result over the bridge, waits until it is laid out. */
async function hostCard(watched: Watched, result: Fixture["result"], theme: "light" | "dark", html = WIDGET_HTML) {
  const { page } = watched;
  await page.setContent(HOST_PAGE);
  await page.evaluate(
    ([html, payload, scheme]) => (window as unknown as { startHost(h: unknown, p: unknown, t: unknown): void }).startHost(html, payload, scheme),
    [html, result, theme] as const,
  );
  await page.waitForFunction(() => (window as unknown as { sized: number }).sized > 0, undefined, { timeout: 10_000 });
  const frame = page.frames().find((candidate) => candidate !== page.mainFrame())!;
  await frame.waitForSelector("html[data-rendered]");
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  return frame;
}

async function matchesBaseline(page: Page, name: string): Promise<void> {
  const shot = await page.locator("iframe").screenshot({ animations: "disabled" });
  const baseline = join(BASELINES, `${name}.png`);
  if (UPDATE || !existsSync(baseline)) {
    if (!UPDATE) throw new Error(`no baseline ${baseline}: run with UPDATE_BASELINES=1 and look at it`);
    writeFileSync(baseline, shot);
    return;
  }
  const comparison = compareImages(decodePng(new Uint8Array(shot)), decodePng(new Uint8Array(readFileSync(baseline))));
  if (!comparison.same) {
    const actual = join(artifacts, `${name}.actual.png`);
    writeFileSync(actual, shot);
    throw new Error(`${name} differs from its baseline: ${comparison.reason}. Actual: ${actual}; if the change is intended, UPDATE_BASELINES=1`);
  }
}

describe.skipIf(Boolean(unavailable))("tool card in headless Chromium", () => {
  beforeAll(async () => {
    mkdirSync(BASELINES, { recursive: true });
    artifacts = mkdtempSync(join(tmpdir(), "patchbay-card-"));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    removeTempDirs();
  });

  const cases = FIXTURE_NAMES.flatMap((name) => [[name, "light"] as const, ...(DARK.has(name) ? [[name, "dark"] as const] : [])]);
  test.each(cases)("%s (%s) renders like its baseline, with no console errors and no requests", async (name, theme) => {
    const watched = await openPage(theme);
    try {
      const { result } = fixture(name);
      const frame = await hostCard(watched, result, theme);
      await matchesBaseline(watched.page, `${name}-${theme}`);
      expect(await frame.locator(".card").count()).toBe(1);
      const bridge = await watched.page.evaluate(() => (window as unknown as { received: Array<{ method?: string }> }).received.map((m) => m.method));
      expect(bridge.slice(0, 2)).toEqual(["ui/initialize", "ui/notifications/initialized"]);
      expect(bridge.every((method) => method === undefined || method.startsWith("ui/"))).toBe(true);
      expect(bridge).not.toContain("tools/call");
      expect(watched.errors).toEqual([]);
      expect(watched.requests).toEqual([]);
    } finally {
      await watched.page.context().close();
    }
  });

  // The card's script is its typed function's own source text; the binary gives it minified.
  test("the card the compiled binary serves renders like its baseline too", async () => {
    const server = await startTestServer();
    const watched = await openPage("light");
    try {
      const client = await connectHttp("v1", server.url);
      const html = String((await client.readResource("ui://widget/patchbay-tool-card-v2.html")).contents[0]!.text);
      await client.close();
      await hostCard(watched, fixture("job-result").result, "light", html);
      await matchesBaseline(watched.page, "job-result-light");
      expect(watched.errors).toEqual([]);
    } finally {
      await watched.page.context().close();
      await server.stop();
    }
  });

  test("each kind gets its own rendering, not the generic table", async () => {
    const expectations: Record<string, string[]> = {
      "worker-report": ["Worker · report", "builder", "Rewrote total() with reduce"],
      "team-report": ["Team report", "2 workers", "reviewer", "builder"],
      "worker-diff": ["+  return items.reduce", "@@ -1,5 +1,5 @@"],
      "integration-preview": ["ready to integrate", "src/cart.ts"],
      "artifact-list": ["Artifact inbox", "spec.md", "checkout spec"],
      "job-result": ["apply job", "succeeded", "Added the VAT constant."],
      "command-failed": ["$ ls missing-dir", "exit 2", "No such file or directory"],
      "write-result": ["File written", "created", "src/banner.ts"],
      "edit-result": ["File edited", "1 replacement"],
      "error-repo-busy": ["Repository busy", "repo_busy", "Next:"],
      "error-takeover-required": ["Belongs to another session", "takeover: true"],
      "generic-self-test": ["Result", "client ref", "ready"],
    };
    const watched = await openPage("light");
    try {
      for (const [name, texts] of Object.entries(expectations)) {
        const frame = await hostCard(watched, fixture(name).result, "light");
        // innerText applies text-transform (labels are upper case), so compare without case.
        const shown = (await frame.locator("#root").innerText()).toLowerCase();
        for (const text of texts) expect(shown, `${name} should show ${JSON.stringify(text)}`).toContain(text.toLowerCase());
      }
      const diff = await hostCard(watched, fixture("worker-diff").result, "light");
      expect(await diff.locator(".diff .add").count()).toBe(3);
      expect(await diff.locator(".diff .del").count()).toBe(3);
      expect(await diff.locator(".diff .hunk").count()).toBe(1);
      expect(watched.errors).toEqual([]);
    } finally {
      await watched.page.context().close();
    }
  });

  test("markup in a result is shown as text and fetches nothing", async () => {
    const result = structuredClone(fixture("worker-report").result);
    const hostile =
      "<img src=\"http://127.0.0.1:9/x.png\" onerror=\"parent.postMessage({jsonrpc:'2.0',id:99,method:'tools/call'},'*')\"><script>alert(1)</script>";
    (result.structuredContent!.worker as Record<string, unknown>).report = hostile;
    const watched = await openPage("light");
    try {
      const frame = await hostCard(watched, result, "light");
      expect(await frame.locator("img, #root script").count()).toBe(0);
      expect(await frame.locator("#root").innerText()).toContain('<img src="http://127.0.0.1:9/x.png"');
      await watched.page.waitForTimeout(200);
      expect(watched.requests).toEqual([]);
      expect(watched.errors).toEqual([]);
    } finally {
      await watched.page.context().close();
    }
  });

  test("ChatGPT's legacy bridge: window.openai.toolOutput, then openai:set_globals; dark from prefers-color-scheme", async () => {
    const watched = await openPage("dark");
    const { page } = watched;
    try {
      // ChatGPT defines window.openai before the card's script runs.
      await page.setContent(WIDGET_HTML.replace("<head>", "<head><script>window.openai = { toolOutput: null, toolResponseMetadata: null };</script>"));
      expect(await page.locator("#root").innerText()).toContain("Waiting for the result");
      const { result } = fixture("command-result");
      await page.evaluate((output) => {
        (window as unknown as { openai: Record<string, unknown> }).openai.toolOutput = output;
        window.dispatchEvent(new CustomEvent("openai:set_globals", { detail: { globals: { toolOutput: output } } }));
      }, result.structuredContent);
      await page.waitForSelector("html[data-rendered]");
      await page.setViewportSize({ width: 640, height: Math.ceil(await page.evaluate(() => document.documentElement.getBoundingClientRect().height)) });
      const shot = await page.screenshot({ animations: "disabled" });
      const baseline = join(BASELINES, "legacy-openai-command-result-dark.png");
      if (UPDATE) writeFileSync(baseline, shot);
      else
        expect(compareImages(decodePng(new Uint8Array(shot)), decodePng(new Uint8Array(readFileSync(baseline)))).reason).toMatch(
          /^\d+ pixels \(0\.[0-4]\d%\)|^0 pixels/,
        );
      expect(await page.locator("#root").innerText()).toContain("$ git status --short");
      expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe("rgb(30, 31, 34)");

      const error = fixture("error-takeover-required").result;
      await page.evaluate((meta) => {
        const openai = (window as unknown as { openai: Record<string, unknown> }).openai;
        openai.toolOutput = null;
        openai.toolResponseMetadata = meta;
        window.dispatchEvent(new CustomEvent("openai:set_globals", { detail: { globals: { toolResponseMetadata: meta } } }));
      }, error._meta);
      expect(await page.locator("#root").innerText()).toContain("Belongs to another session");
      expect(watched.errors).toEqual([]);
      expect(watched.requests).toEqual([]);
    } finally {
      await page.context().close();
    }
  });
});
