/**
 * The tool calls issue 16's targets name, as both tool-call benches make them (tool-calls.ts,
 * tool-calls-paired.ts), on the generated repository of workspace/fixture.ts.
 */
import { RARE_LITERAL } from "../workspace/fixture.ts";
import type { ToolCall } from "./client.ts";

/** The file `codex_read_file` reads, and the reference server's `read_text_file` with it. */
export const TIMED_FILE = "pkg0000/file001.ts";

export const TIMED_CALLS: readonly ToolCall[] = [
  { name: "codex_read_file", args: { file_path: TIMED_FILE } },
  { name: "codex_search_repo", args: { query: RARE_LITERAL } },
  { name: "codex_git_status", args: {} },
  { name: "codex_list_workspaces", args: {} },
  { name: "codex_worker_list", args: {} },
  { name: "codex_tool_mode_info", args: {} },
];

/** The cheapest of them, held against the minimal SDK server's trivial tool rather than the reference read. */
export const TRIVIAL = "codex_tool_mode_info";
