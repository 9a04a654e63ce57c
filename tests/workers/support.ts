/** Worker test support: a harness over the whole catalog with mock and prompt-echoing agents. */
import { newWorkerId, type WorkerRecord } from "../../src/workers/record.ts";
import { WORKER_TOOLS } from "../../src/workers/tools/index.ts";
import { harnessSet, type ToolHarness } from "../support/tools.ts";
export { mockPrompt } from "../jobs/support.ts";

/** `echoer` writes the prompt it got into prompt-seen.txt in its working directory. */
export const WORKER_TOML = `[server]
max_concurrent_jobs = 4

[agents.custom.echoer]
command = "/bin/sh"
args = ["-c", "cat > prompt-seen.txt; echo seen"]
`;

export const workerHarnesses = () => harnessSet(WORKER_TOOLS, { configToml: WORKER_TOML });

export interface View {
  worker_id: string;
  unresolved_conflicts?: string[];
  name: string;
  state: string;
  owner: string;
  session_id?: string;
  report?: string;
  changed_files?: string[];
  worktree?: { path: string; branch: string; base_commit: string };
  takeovers: number;
}

/** Waits for the worker's turn to end and returns its view. */
export async function settled(h: Pick<ToolHarness, "ok">, worker: string): Promise<View> {
  for (let round = 0; round < 10; round++) {
    const { worker: view } = await h.ok<{ worker: View }>("codex_worker_inspect", { worker, view: "status", wait_seconds: 30 });
    if (view.state !== "running" && view.state !== "starting") return view;
  }
  throw new Error(`worker ${worker} did not settle`);
}

/** A read-only mock worker's record as the worker tools store it, created and updated `at`, for seeding a store directly. */
export function workerRecord(repo: string, name: string, at: string, extra: Partial<WorkerRecord> = {}): WorkerRecord {
  return {
    id: newWorkerId(),
    name,
    repo,
    agent: "mock",
    workspace_mode: "read_only",
    owner: "test",
    turns: [],
    artifacts: [],
    takeovers: [],
    created_at: at,
    updated_at: at,
    ...extra,
  };
}
