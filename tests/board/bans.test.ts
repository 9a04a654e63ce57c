/**
 * Rate-limit bans on the board, through the real binary, headless Chromium and the SDK's real MCP
 * client over HTTP: an agent that floods the server with its token until the real rate limit bans
 * it appears under "Waiting on you" on the open page without a reload (its agent, namespace, when
 * the ban ends and why); lifting the ban from the page (after a confirmation) lets the agent send
 * again, and the lift is audited like a host's call.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { connectHttp, type TestClient } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { repoRoot, runPatchbay, startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";
import { ensureChromium, launchChromium } from "../widget/chromium.ts";
import { until } from "../support/until.ts";
import { closeAll, streamLive } from "./support.ts";

const LIMIT = 10;
let server: TestServer;
let operator: TestClient;
let browser: Browser;
let page: Page;
const dialogs: string[] = [];

async function addToken(name: string): Promise<{ token: string; token_id: string }> {
  const added = await runPatchbay(["token", "add", name, "--namespace", "team", "--json"], { home: server.home });
  expect(added.code, added.stderr).toBe(0);
  return JSON.parse(added.stdout);
}

/** What bob has received, read by the operator (recall marks nothing read). */
async function bobsMessages(): Promise<string[]> {
  const seen = await operator.callTool("recall", { as: "bob@team", limit: 100 });
  return ((seen.structuredContent as { messages: Array<{ content: string }> }).messages ?? []).map((message) => message.content);
}

/** A message to bob over HTTP with an agent's token; whether the server took it. */
async function sendsToBob(token: string, content: string): Promise<boolean> {
  try {
    const alice = await connectHttp("v2-legacy", server.url, { token });
    try {
      return !(await alice.callTool("send_message", { to: "bob", content })).isError;
    } finally {
      await alice.close().catch(() => undefined);
    }
  } catch {
    return false;
  }
}

beforeAll(async () => {
  const missing = ensureChromium();
  if (missing) throw new Error(`the board's browser tests need Chromium: ${missing}`);
  const home = tempDir("pb-board-bans-");
  writeFileSync(join(home, "config.toml"), `[messaging]\nrate_limit_per_minute = ${LIMIT}\nrate_ban_seconds = 3600\n`);
  server = await startTestServer({ home, args: ["--root", makeGitRepo({ "a.txt": "a\n" })] });
  operator = await connectHttp("v2-legacy", server.url);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    void dialog.accept();
  });
  await page.goto(`${new URL(server.url).origin}/board`);
  await streamLive(page);
  await page.evaluate(() => Object.assign(window, { boardMarker: "same page" }));
}, 60_000);

afterAll(() => closeAll(browser, operator, server));

test("an agent banned for flooding waits on the operator without a reload; lifting the ban from the page lets it send again", async () => {
  const alice = await addToken("alice");
  await addToken("bob");
  await page.getByRole("tab", { name: /Waiting on you/ }).click();
  await page.getByText("No items waiting on you.").waitFor();

  // Flood: the same SDK client keeps calling until the server refuses its token.
  const flooding = await connectHttp("v2-legacy", server.url, { token: alice.token });
  let refused = false;
  for (let call = 0; call < 5 * LIMIT && !refused; call++) {
    refused = await flooding.callTool("presence", {}).then(
      (result) => result.isError === true,
      () => true,
    );
  }
  await flooding.close().catch(() => undefined);
  expect(refused).toBe(true);
  // Banned: a send is refused and bob gets nothing.
  expect(await sendsToBob(alice.token, "while banned")).toBe(false);
  expect(await bobsMessages()).toEqual([]);

  const ban = page.locator("tr", { hasText: "Banned token" });
  await ban.waitFor();
  const [label, what, about, action] = await ban.locator("td").allTextContents();
  expect([label, what, action]).toEqual(["Banned token", alice.token_id, "Lift ban"]);
  expect(about).toMatch(new RegExp(`^agent alice in namespace team: banned until \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z, over ${LIMIT} requests per minute$`));
  // Until when: the ban's end, about the configured hour from now.
  const endsAt = Date.parse(about!.split("banned until ")[1]!.split(",")[0]!);
  expect(endsAt - Date.now()).toBeGreaterThan(3000 * 1000);
  expect(await page.locator("#waiting-count").textContent()).toBe("1");
  expect(await page.evaluate(() => (window as unknown as { boardMarker?: string }).boardMarker)).toBe("same page");
  // With BOARD_SCREENSHOTS=1, docs/board.md's picture of a ban waiting on the operator.
  if (process.env.BOARD_SCREENSHOTS === "1") await page.screenshot({ path: join(repoRoot, "docs", "board", "bans.png"), fullPage: true });

  await ban.getByRole("button", { name: "Lift ban" }).click();
  await page.getByText("No items waiting on you.").waitFor();
  expect(dialogs.at(-1)).toBe("Lift the ban of agent alice in namespace team? Its agent may call again at once.");
  expect(await page.locator("#notice").textContent()).toContain(`token ${alice.token_id}`);

  expect(await sendsToBob(alice.token, "after the lift")).toBe(true);
  expect(await bobsMessages()).toEqual(["after the lift"]);
  const audit = join(server.home, "logs", "audit.log");
  await until(() => existsSync(audit) && readFileSync(audit, "utf8").includes('"tool":"lift_ban"'), "the lift in the audit log");
  const lifts = readFileSync(audit, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { tool: string; outcome: string })
    .filter((entry) => entry.tool === "lift_ban");
  expect(lifts).toEqual([expect.objectContaining({ outcome: "ok" })]);
});

test("a dismissed confirmation lifts nothing", async () => {
  const carol = await addToken("carol");
  const flooding = await connectHttp("v2-legacy", server.url, { token: carol.token });
  for (let call = 0; call < 5 * LIMIT; call++) {
    const refused = await flooding.callTool("presence", {}).then(
      (result) => result.isError === true,
      () => true,
    );
    if (refused) break;
  }
  await flooding.close().catch(() => undefined);
  const ban = page.locator("tr", { hasText: carol.token_id });
  await ban.waitFor();
  page.removeAllListeners("dialog");
  page.once("dialog", (dialog) => void dialog.dismiss());
  await ban.getByRole("button", { name: "Lift ban" }).click();
  // The page asked and was told no: the ban stays, on the page and for the agent.
  expect(await ban.count()).toBe(1);
  expect(await sendsToBob(carol.token, "still banned")).toBe(false);
});
