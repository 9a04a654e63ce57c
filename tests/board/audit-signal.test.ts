/**
 * The board hears tool calls through the app's typed audit signal (`onAudit`), not by replacing
 * the shared app's `audit`: every other session's calls are still written to the audit sink, a
 * host's call (one no job runtime event follows) tells the board its state may have changed, and
 * the board's own reads neither reach the audit nor count as changes.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { ALL_TOOLS } from "../../src/app/index.ts";
import type { BoardSources } from "../../src/board/index.ts";
import type { AuditEntry } from "../../src/log/audit.ts";
import { createToolRegistry } from "../../src/mcp/index.ts";
import { serverBoardSources } from "../../src/server/board.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs } from "../support/patchbay.ts";
import { type ToolHarness, toolHarness } from "../support/tools.ts";

let harness: ToolHarness;
let auditBefore: ToolHarness["host"]["audit"];
let sources: BoardSources;

beforeAll(async () => {
  const repo = makeGitRepo({ "README.md": "hello\n" });
  harness = await toolHarness(ALL_TOOLS, { roots: [repo], mode: "full" });
  auditBefore = harness.host.audit;
  sources = serverBoardSources({ host: harness.host, registry: createToolRegistry(ALL_TOOLS), scope: harness.session.scope, token: undefined });
}, 60_000);

afterAll(async () => {
  await harness?.close();
  removeTempDirs();
});

test("a host's tool call is written to the audit and tells the board; the board leaves the app's audit in place", async () => {
  let changes = 0;
  const stop = sources.changes!(() => changes++);
  await harness.ok("codex_list_workspaces");
  expect(harness.audits.map((entry) => entry.tool)).toEqual(["codex_list_workspaces"]);
  expect(changes).toBe(1);
  expect(harness.host.audit).toBe(auditBefore);
  stop();
  await harness.ok("codex_list_workspaces");
  expect(changes).toBe(1);
  expect(harness.audits).toHaveLength(2);
});

test("the board's own reads are neither audited nor heard as changes", async () => {
  let changes = 0;
  const stop = sources.changes!(() => changes++);
  const before = harness.audits.length;
  const result = await sources.tools.read("codex_list_workspaces", {});
  expect(result.isError).toBeFalsy();
  expect(harness.audits).toHaveLength(before);
  expect(changes).toBe(0);
  stop();
});

test("onAudit hands each listener the entry the audit wrote, until it unsubscribes", async () => {
  const heard: AuditEntry[] = [];
  const unsubscribe = harness.host.onAudit((entry) => heard.push(entry));
  await harness.call("codex_list_workspaces");
  expect(heard).toEqual([harness.audits.at(-1)!]);
  unsubscribe();
  await harness.call("codex_list_workspaces");
  expect(heard).toHaveLength(1);
});
