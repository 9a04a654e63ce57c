/**
 * The behaviours every MCP connection must show, whatever the transport and client generation.
 * Used by the stdio and HTTP test files so each combination is checked the same way.
 */
import { expect } from "bun:test";
import type { TestClient } from "../support/clients.ts";
import { until } from "../support/until.ts";

/**
 * What a session sees in each mode with the power tools off (the default): the original PatchBay's
 * sets (its minimal also lists codex_write_file, codex_edit_file and codex_run_command when their
 * power settings are on), plus the messaging tools in worker mode.
 */
export const MINIMAL_TOOLS = [
  "codex_get_config",
  "codex_open_workspace",
  "codex_read_file",
  "codex_self_test",
  "codex_show_changes",
  "codex_tool_mode_info",
  "codex_tool_mode_switch",
];
export const WORKER_TOOLS = [
  "codex_get_config",
  "codex_git_diff",
  "codex_git_status",
  "codex_list_skills",
  "codex_list_workspaces",
  "codex_load_context",
  "codex_load_skill",
  "codex_open_workspace",
  "codex_read_file",
  "codex_repo_tree",
  "codex_search_repo",
  "codex_self_test",
  "codex_show_changes",
  "codex_tool_mode_info",
  "codex_tool_mode_switch",
  "codex_usage",
  "codex_worker_inbox",
  "codex_worker_inspect",
  "codex_worker_integrate",
  "codex_worker_list",
  "codex_worker_message",
  "codex_worker_options",
  "codex_worker_start",
  "codex_worker_stop",
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
// The config edits that choose a program (exec) are hidden while power_tools.bash_mode is not
// "full", in every mode: a mode lists, the operator's settings allow.
export const STANDARD_TOOLS = [
  "codex_apply_job",
  "codex_cancel_job",
  "codex_export_context",
  "codex_get_config",
  "codex_get_diff",
  "codex_get_handoff_diff",
  "codex_get_handoff_status",
  "codex_get_result",
  "codex_get_status",
  "codex_git_diff",
  "codex_git_status",
  "codex_interactive",
  "codex_interactive_reply",
  "codex_inventory",
  "codex_job_clean",
  "codex_job_integrate",
  "codex_list_sessions",
  "codex_list_skills",
  "codex_list_workspaces",
  "codex_load_context",
  "codex_load_skill",
  "codex_open_workspace",
  "codex_plan_job",
  "codex_read_file",
  "codex_repo_tree",
  "codex_resume",
  "codex_review",
  "codex_search_repo",
  "codex_self_test",
  "codex_show_changes",
  "codex_tool_mode_info",
  "codex_tool_mode_switch",
  "codex_usage",
  "codex_worker_inbox",
  "codex_worker_inspect",
  "codex_worker_integrate",
  "codex_worker_list",
  "codex_worker_message",
  "codex_worker_options",
  "codex_worker_start",
  "codex_worker_stop",
  "codex_workspace_snapshot",
  "codex_write_handoff",
  "get_attachment",
  "inbox",
  "lift_ban",
  "list_bans",
  "patchbay_apply",
  "patchbay_approve",
  "patchbay_artifact",
  "patchbay_cancel",
  "patchbay_config_phase_set",
  "patchbay_config_show",
  "patchbay_diff",
  "patchbay_events",
  "patchbay_fix",
  "patchbay_plan",
  "patchbay_review",
  "patchbay_runs",
  "patchbay_status",
  "patchbay_test",
  "patchbay_write",
  "presence",
  "recall",
  "relay_url",
  "reply",
  "send_message",
  "unsend_message",
  "upload_attachment",
  "wait_for_message",
];
export const FULL_TOOLS = [
  "ai_flow_apply",
  "ai_flow_approve",
  "ai_flow_artifact",
  "ai_flow_cancel",
  "ai_flow_config_phase_set",
  "ai_flow_config_show",
  "ai_flow_diff",
  "ai_flow_events",
  "ai_flow_fix",
  "ai_flow_plan",
  "ai_flow_review",
  "ai_flow_runs",
  "ai_flow_status",
  "ai_flow_test",
  "ai_flow_write",
  "codex_apply_job",
  "codex_cancel_job",
  "codex_context",
  "codex_export_context",
  "codex_get_config",
  "codex_get_diff",
  "codex_get_handoff_diff",
  "codex_get_handoff_status",
  "codex_get_result",
  "codex_get_status",
  "codex_git_diff",
  "codex_git_status",
  "codex_interactive",
  "codex_interactive_reply",
  "codex_inventory",
  "codex_job_clean",
  "codex_job_integrate",
  "codex_list_sessions",
  "codex_list_skills",
  "codex_list_workspaces",
  "codex_load_context",
  "codex_load_skill",
  "codex_open_workspace",
  "codex_plan_job",
  "codex_read_file",
  "codex_repo_tree",
  "codex_resume",
  "codex_review",
  "codex_search_repo",
  "codex_self_test",
  "codex_sessions",
  "codex_show_changes",
  "codex_tool_mode_info",
  "codex_tool_mode_switch",
  "codex_usage",
  "codex_worker_inbox",
  "codex_worker_inspect",
  "codex_worker_integrate",
  "codex_worker_list",
  "codex_worker_message",
  "codex_worker_options",
  "codex_worker_start",
  "codex_worker_stop",
  "codex_workspace_snapshot",
  "codex_write_handoff",
  "export_pro_context",
  "get_attachment",
  "git_diff",
  "git_status",
  "handoff_to_agent",
  "handoff_to_codex",
  "inbox",
  "lift_ban",
  "list_bans",
  "list_workspaces",
  "load_skill",
  "open_current_workspace",
  "open_workspace",
  "patchbay_apply",
  "patchbay_approve",
  "patchbay_artifact",
  "patchbay_cancel",
  "patchbay_config_phase_set",
  "patchbay_config_show",
  "patchbay_diff",
  "patchbay_events",
  "patchbay_fix",
  "patchbay_plan",
  "patchbay_review",
  "patchbay_runs",
  "patchbay_status",
  "patchbay_test",
  "patchbay_write",
  "presence",
  "read",
  "read_handoff",
  "recall",
  "relay_url",
  "reply",
  "search",
  "send_message",
  "server_config",
  "show_changes",
  "tree",
  "unsend_message",
  "upload_attachment",
  "wait_for_message",
  "workspace_snapshot",
];

function textOf(result: { content?: Array<{ text?: string }> }): string {
  return result.content?.map((block) => block.text ?? "").join("") ?? "";
}

export async function expectHandshake(client: TestClient): Promise<void> {
  expect(client.serverName()).toBe("patchbay");
  expect(client.instructions()).toContain("codex_self_test");
  expect(await client.listToolNames()).toEqual(WORKER_TOOLS);
}

export async function expectModeSwitchAnnounced(client: TestClient): Promise<void> {
  const before = client.listChanges();
  const switched = await client.callTool("codex_tool_mode_switch", { mode: "full", reason: "test" });
  expect(switched.isError).toBeFalsy();
  expect(switched.structuredContent).toEqual({ previous_mode: "worker", mode: "full", tool_count: FULL_TOOLS.length, changed: true });
  await until(() => client.listChanges() > before, "tools/list_changed");
  expect(await client.listToolNames()).toEqual(FULL_TOOLS);
  const alias = await client.callTool("server_config", {});
  expect(alias.isError).toBeFalsy();
  expect((alias.structuredContent as { session: { allowed_roots: string[] } }).session.allowed_roots.length).toBeGreaterThan(0);
  await client.callTool("codex_tool_mode_switch", { mode: "standard" });
  expect(await client.listToolNames()).toEqual(STANDARD_TOOLS);
  await client.callTool("codex_tool_mode_switch", { mode: "minimal" });
  expect(await client.listToolNames()).toEqual(MINIMAL_TOOLS);
  await client.callTool("codex_tool_mode_switch", { mode: "worker" });
}

export async function expectSelfTestWithProgress(client: TestClient): Promise<void> {
  const progress: number[] = [];
  const result = await client.callTool("codex_self_test", {}, { onprogress: (p) => progress.push(p.progress) });
  expect(result.isError).toBeFalsy();
  const structured = result.structuredContent as {
    ready: boolean;
    client_ref: string;
    active_sessions: number;
    checks: Array<{ name: string; ok: boolean }>;
    note: string;
  };
  expect(structured.ready).toBe(true);
  expect(structured.client_ref).toMatch(/^client_[0-9a-f]{12}$/);
  expect(structured.active_sessions).toBeGreaterThanOrEqual(1);
  expect(structured.checks.map((check) => check.name)).toEqual(["config", "state", "git"]);
  expect(structured.note).toContain("share");
  expect(progress).toEqual([1, 2, 3]);
}

export async function expectArgumentAndModeErrors(client: TestClient): Promise<void> {
  const invalid = await client.callTool("codex_tool_mode_switch", { mode: "max" });
  expect(invalid.isError).toBe(true);
  expect(textOf(invalid)).toStartWith("[invalid_arguments] codex_tool_mode_switch: mode: ");
  const unknownArgument = await client.callTool("codex_tool_mode_info", { verbose: true });
  expect(unknownArgument.isError).toBe(true);
  expect(textOf(unknownArgument)).toContain("verbose");
  const hidden = await client.callTool("codex_plan_job", { spec: "x" });
  expect(hidden.isError).toBe(true);
  expect(textOf(hidden)).toStartWith('[tool_not_in_mode] codex_plan_job is not in tool mode "worker"');
  expect(textOf(hidden)).toContain("codex_tool_mode_switch");
  await expect(client.callTool("no_such_tool", {})).rejects.toThrow(/Unknown tool: no_such_tool/);
}

/** Every behaviour above on one fresh connection, then closes it. */
export async function expectEveryBehaviour(connect: () => Promise<TestClient>): Promise<void> {
  const client = await connect();
  try {
    await expectHandshake(client);
    await expectModeSwitchAnnounced(client);
    await expectSelfTestWithProgress(client);
    await expectArgumentAndModeErrors(client);
  } finally {
    await client.close();
  }
}
