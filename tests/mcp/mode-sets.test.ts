/**
 * Issue #14 item 8: the worker and minimal modes list the original PatchBay's sets (the messaging
 * tools, and codex_usage, stay in worker mode in addition); minimal lists the power tools when the
 * operator turned them on.
 */
import { afterAll, expect, test } from "bun:test";
import { ALL_TOOLS } from "../../src/app/index.ts";
import { connectStdio } from "../support/clients.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { MINIMAL_TOOLS, WORKER_TOOLS } from "./catalog-behaviour.ts";

afterAll(removeTempDirs);

/** The original's WORKER_MODE_TOOLS and MINIMAL_CANONICAL_TOOLS (velhud/PatchBay at 00319b3). */
const ORIGINAL_WORKER = [
  "codex_get_config",
  "codex_tool_mode_info",
  "codex_tool_mode_switch",
  "codex_self_test",
  "codex_open_workspace",
  "codex_repo_tree",
  "codex_read_file",
  "codex_search_repo",
  "codex_load_context",
  "codex_list_workspaces",
  "codex_list_skills",
  "codex_load_skill",
  "codex_git_status",
  "codex_git_diff",
  "codex_show_changes",
  "codex_worker_options",
  "codex_worker_inbox",
  "codex_worker_start",
  "codex_worker_message",
  "codex_worker_list",
  "codex_worker_inspect",
  "codex_worker_integrate",
  "codex_worker_stop",
];
const ORIGINAL_MINIMAL = [
  "codex_get_config",
  "codex_tool_mode_info",
  "codex_tool_mode_switch",
  "codex_self_test",
  "codex_open_workspace",
  "codex_read_file",
  "codex_write_file",
  "codex_edit_file",
  "codex_run_command",
  "codex_show_changes",
];
const MESSAGING = [
  "get_attachment",
  "inbox",
  "presence",
  "recall",
  "relay_url",
  "reply",
  "send_message",
  "unsend_message",
  "upload_attachment",
  "wait_for_message",
];
/** What later issues added to worker mode on top of the original's set. */
const ADDED_SINCE = ["codex_usage"];

test("worker and minimal list the original's tools; minimal's power tools appear when power is on", async () => {
  expect(WORKER_TOOLS).toEqual([...ORIGINAL_WORKER, ...MESSAGING, ...ADDED_SINCE].sort());
  expect(MINIMAL_TOOLS).toEqual(ORIGINAL_MINIMAL.filter((name) => !["codex_write_file", "codex_edit_file", "codex_run_command"].includes(name)).sort());

  const plain = await connectStdio("v1", { home: tempDir(), args: ["--standalone", "--tool-mode", "minimal"] });
  try {
    expect(await plain.listToolNames()).toEqual(MINIMAL_TOOLS);
    await plain.callTool("codex_tool_mode_switch", { mode: "worker" });
    expect(await plain.listToolNames()).toEqual(WORKER_TOOLS);
  } finally {
    await plain.close();
  }
  const powered = await connectStdio("v2-legacy", { home: tempDir(), args: ["--standalone", "--tool-mode", "minimal", "--power", "full"] });
  try {
    expect(await powered.listToolNames()).toEqual([...ORIGINAL_MINIMAL].sort());
  } finally {
    await powered.close();
  }
});

test("standard holds every tool of minimal and worker: a refusal's switch to it keeps the session's tools", () => {
  const outside = ALL_TOOLS.filter((tool) => (tool.modes.includes("minimal") || tool.modes.includes("worker")) && !tool.modes.includes("standard"));
  expect(outside.map((tool) => tool.name)).toEqual([]);
});
