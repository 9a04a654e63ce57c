/**
 * How the CLI speaks of the server tools it stands for: each tool's command, and for each argument
 * the command sets from its command line, the flag (`--mode`) or positional (`WORKER`) it comes
 * from. `server-call.ts` uses it to word a tool's error for the person at the shell; adding a CLI
 * command for a tool is one entry here.
 */

/** A tool as the CLI says it: the command that runs it and where its arguments come from. */
export interface ToolCommand {
  /** The command line that runs the tool, such as `patchbay worker start`. */
  command: string;
  /** Tool argument → its flag (`--file`) or positional (`WORKER`). */
  flags: Readonly<Record<string, string>>;
}

const repo = { repo_path: "--repo" } as const;
const takeover = { takeover: "--takeover", takeover_reason: "--reason" } as const;
const turn = { model: "--model", reasoning_effort: "--effort", context_from_workers: "--context", context_detail: "--detail" } as const;
const job = { spec: "PROMPT", agent: "--agent", model: "--model", ...repo } as const;
const run = { run_id: "RUN_ID", ...repo } as const;
const phase = { ...run, mock: "--mock" } as const;

export const TOOL_COMMANDS: Readonly<Record<string, ToolCommand>> = {
  codex_worker_start: {
    command: "patchbay worker start",
    flags: { name: "NAME", brief: "BRIEF", agent: "--agent", workspace_mode: "--mode", ...turn, ...repo },
  },
  codex_worker_message: {
    command: "patchbay worker message",
    flags: { worker: "WORKER", message: "MESSAGE", rebase: "--rebase", ...turn, ...takeover, ...repo },
  },
  codex_worker_list: { command: "patchbay worker list", flags: { include_stopped: "--all", active_only: "--active", ...repo } },
  codex_worker_inspect: {
    command: "patchbay worker inspect",
    flags: { worker: "WORKER", view: "--view", file_path: "--file", wait_seconds: "--wait", ...repo },
  },
  codex_worker_integrate: {
    command: "patchbay worker integrate",
    flags: {
      worker: "WORKER",
      workers: "WORKER,WORKER",
      all_ready: "--all-ready",
      run_tests: "--run-tests",
      commit: "--commit",
      message: "--commit",
      allow_dirty_base: "--allow-dirty-base",
      allow_agent_config: "--allow-agent-config",
      ...takeover,
      ...repo,
    },
  },
  codex_worker_stop: { command: "patchbay worker stop", flags: { worker: "WORKER", cleanup_workspace: "--cleanup", ...takeover, ...repo } },
  codex_plan_job: { command: "patchbay job run", flags: job },
  codex_apply_job: { command: "patchbay job run --isolated", flags: job },
  codex_get_result: { command: "patchbay job show", flags: { job_id: "ID" } },
  codex_cancel_job: { command: "patchbay job cancel", flags: { job_id: "ID" } },
  codex_job_integrate: {
    command: "patchbay job integrate",
    flags: {
      job_id: "ID",
      preview: "--preview",
      allow_dirty_base: "--allow-dirty-base",
      allow_agent_config: "--allow-agent-config",
      run_tests: "--run-tests",
      commit: "--commit",
      message: "--commit",
    },
  },
  codex_job_clean: { command: "patchbay job clean", flags: { job_id: "ID" } },
  codex_get_diff: { command: "patchbay job diff", flags: { job_id: "ID" } },
  send_message: { command: "patchbay msg send", flags: { to: "TO", content: "TEXT", thread: "--thread", idempotency_key: "--key", as: "--as" } },
  inbox: { command: "patchbay msg inbox", flags: { limit: "--limit", as: "--as" } },
  wait_for_message: { command: "patchbay msg wait", flags: { timeout_seconds: "--timeout", as: "--as" } },
  patchbay_plan: { command: "patchbay plan", flags: { task: "--task", mock: "--mock", ...repo } },
  ...Object.fromEntries(["write", "test", "review", "fix"].map((name) => [`patchbay_${name}`, { command: `patchbay ${name}`, flags: phase }])),
  patchbay_approve: { command: "patchbay approve", flags: run },
  patchbay_apply: { command: "patchbay apply", flags: { ...run, allow_agent_config: "--allow-agent-config" } },
  patchbay_cancel: { command: "patchbay cancel", flags: run },
  patchbay_status: { command: "patchbay pipeline status", flags: run },
  patchbay_events: { command: "patchbay events", flags: { ...run, since: "--since", phase: "--phase" } },
  patchbay_diff: { command: "patchbay diff", flags: run },
  patchbay_runs: { command: "patchbay runs", flags: repo },
  patchbay_config_test_add: { command: "patchbay config test add", flags: { command: "COMMAND", ...repo } },
  // Hints about the repository's state name these; at a shell, git answers directly.
  codex_git_status: { command: "git status", flags: {} },
  codex_git_diff: { command: "git diff", flags: {} },
};
