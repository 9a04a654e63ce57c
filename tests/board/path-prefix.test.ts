/**
 * The board under server.public_url with a path prefix (http://127.0.0.1:PORT/team-a/, loopback so
 * the test needs no TLS): a proxy publishes the real binary under /team-a and strips the prefix.
 * Headless Chromium logs in through it, the page's script, stream, reads and actions all go under
 * the prefix (the proxy sees nothing else and refuses nothing), a job cancelled from the page
 * stops its agent, and the live stream shows it. The login's redirect and cookie carry the prefix
 * and only it; the prefix comes from the config, never from a request header, and the server's
 * own address keeps the board at /board. In process: behind a TLS proxy the page's origin is the
 * public https one, and a public path starting with // cannot turn a redirect into another host's.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { ALL_TOOLS } from "../../src/app/index.ts";
import { createBoard } from "../../src/board/index.ts";
import { createToolRegistry } from "../../src/mcp/index.ts";
import { serverBoardSources } from "../../src/server/board.ts";
import { connectHttp, type TestClient } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";
import { type PrefixProxy, startPrefixProxy } from "../support/prefix-proxy.ts";
import { toolHarness } from "../support/tools.ts";
import { ensureChromium, launchChromium } from "../widget/chromium.ts";
import { cancelJobFromPage, closeAll, streamLive } from "./support.ts";

const PREFIX = "/team-a";
const TOKEN = "board-prefix-operator-token-0123456789";
let proxy: PrefixProxy;
let server: TestServer;
let client: TestClient;
let browser: Browser;
let page: Page;
/** The board as published (`http://127.0.0.1:PROXY/team-a/board`) and on the server's own address. */
let board: string;
let direct: string;
/** Every URL the page asked for. */
const requested: string[] = [];

beforeAll(async () => {
  const missing = ensureChromium();
  if (missing) throw new Error(`the board's browser tests need Chromium: ${missing}`);
  proxy = await startPrefixProxy(PREFIX);
  const home = tempDir("pb-board-prefix-");
  writeFileSync(join(home, "config.toml"), `[server]\npublic_url = "${proxy.base}/"\n`);
  server = await startTestServer({ home, args: ["--root", makeGitRepo({ "a.txt": "a\n" })], env: { PATCHBAY_HTTP_TOKEN: TOKEN } });
  proxy.forwardTo(server.url);
  board = `${proxy.base}/board`;
  direct = `${new URL(server.url).origin}/board`;
  client = await connectHttp("v2-legacy", server.url, { token: TOKEN });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("dialog", (dialog) => void dialog.accept());
  page.on("request", (request) => void requested.push(request.url()));
}, 60_000);

afterAll(async () => {
  await closeAll(browser, client, server);
  await proxy?.close();
});

/** A login form posted the way a browser posts it, from `origin`; redirects are not followed. */
const postLogin = (url: string, origin: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/login`, { method: "POST", redirect: "manual", headers: { origin, ...headers }, body: new URLSearchParams({ token: TOKEN }) });

test("through the proxy the page logs in, loads and streams under the prefix, and cancelling a job from it stops the agent", async () => {
  await page.goto(board);
  expect(await page.locator("form").getAttribute("action")).toBe(`${PREFIX}/board/login`);
  await page.getByLabel("Operator token").fill(TOKEN);
  await Promise.all([
    page.waitForResponse((response) => response.url() === board && response.request().method() === "GET"),
    page.getByRole("button", { name: "Log in" }).click(),
  ]);
  const [cookie] = await page.context().cookies(board);
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict", path: `${PREFIX}/board` });
  // Scoped to the prefixed board: the same host's root board does not get it.
  expect(await page.context().cookies(direct)).toEqual([]);
  await streamLive(page);

  // The job arrives on the open page over the stream, without a reload; its Cancel is an action and its pane a read, both under the prefix.
  await page.evaluate(() => Object.assign(window, { boardMarker: "same page" }));
  await cancelJobFromPage(page, client);
  expect(await page.evaluate(() => (window as unknown as { boardMarker?: string }).boardMarker)).toBe("same page");

  // Every request of the page went under the prefix, and the proxy refused none.
  const paths = (wanted: string) => proxy.seen.filter((seen) => seen.path.startsWith(`${PREFIX}/board/${wanted}`));
  expect(paths("events").length).toBeGreaterThan(0);
  expect(paths("action").map((seen) => [seen.method, seen.status])).toEqual([["POST", 200]]);
  expect(paths("detail").length).toBeGreaterThan(0);
  expect(requested.filter((url) => !url.startsWith(`${board}`))).toEqual([]);
  expect(proxy.seen.filter((seen) => !seen.path.startsWith(`${PREFIX}/board`) || seen.status >= 400)).toEqual([]);
});

test("the login redirects and scopes its cookie to the prefixed board on the public origin; a forwarded-prefix header changes nothing", async () => {
  const publicOrigin = new URL(proxy.base).origin;
  const spoof = { "x-forwarded-prefix": "/elsewhere", forwarded: "host=evil.example;proto=https" };
  const published = await postLogin(board, publicOrigin, spoof);
  expect(published.status).toBe(303);
  expect(published.headers.get("location")).toBe(`${PREFIX}/board`);
  expect(published.headers.get("set-cookie")).toContain(`; Path=${PREFIX}/board;`);
  // Through the proxy the page's origin is the public one: a login sent from the server's own origin is another site's.
  const foreign = await postLogin(board, new URL(server.url).origin);
  expect(foreign.status).toBe(403);
  expect(foreign.headers.get("set-cookie")).toBeNull();

  // The server's own address keeps the board at the root, whatever the headers say.
  const form = await (await fetch(direct, { headers: spoof })).text();
  expect(form).toContain('action="/board/login"');
  const own = await postLogin(direct, new URL(server.url).origin, spoof);
  expect(own.headers.get("location")).toBe("/board");
  expect(own.headers.get("set-cookie")).toContain("; Path=/board;");
});

test("behind a TLS proxy the page's origin is the public URL's https one, and a public path starting with // still redirects on it", async () => {
  const harness = await toolHarness(ALL_TOOLS, { roots: [makeGitRepo({ "a.txt": "a\n" })], mode: "full" });
  const sources = serverBoardSources({ host: harness.host, registry: createToolRegistry(ALL_TOOLS), scope: harness.session.scope, token: undefined });
  const published = createBoard({ ...sources, login: undefined, publicUrl: () => "https://pb.example//evil.example/team-a/" });
  // The proxy speaks plain http to the server and keeps the browser's Host.
  const reach = (path: string, init: RequestInit = {}) =>
    published.handle(new Request(`http://pb.example${path}`, { ...init, headers: { host: "pb.example", ...(init.headers as Record<string, string>) } }));
  try {
    const login = await reach("/board/login", { method: "POST" });
    expect(login.status).toBe(303);
    expect(new URL(login.headers.get("location")!, "https://pb.example/evil.example/team-a/board/login").href).toBe(
      "https://pb.example/evil.example/team-a/board",
    );
    const csrf = /data-csrf="([^"]+)"/.exec(await (await reach("/board")).text())![1]!;
    const cancel = (origin: string) =>
      reach("/board/action", {
        method: "POST",
        headers: { origin, "x-patchbay-csrf": csrf, "content-type": "application/json" },
        body: JSON.stringify({ action: "cancel_job", id: "job_unknown" }),
      });
    // From the page (https): the action reaches the tool, which answers in its own words; from plain http it is another site's.
    const fromPage = await cancel("https://pb.example");
    expect(fromPage.status).toBe(200);
    expect(await fromPage.json()).toMatchObject({ ok: false, error: expect.stringMatching(/^\[job_not_found\].*job_unknown/) });
    expect((await cancel("http://pb.example")).status).toBe(403);
  } finally {
    published.close();
    await harness.close();
  }
});
