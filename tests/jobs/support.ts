/**
 * Job test support: mock-agent prompts, a config with small real child-process agents, and
 * process checks.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { newJobId, type JobRecord } from "../../src/jobs/record.ts";
import { isProcessAlive } from "../../src/state/index.ts";
import { tempDir } from "../support/patchbay.ts";

/** A prompt the mock agent reads as instructions (a fenced json block). */
export function mockPrompt(plan: Record<string, unknown>, text = "do the thing"): string {
  return `${text}\n\n\`\`\`json\n${JSON.stringify(plan)}\n\`\`\`\n`;
}

export interface ProcessAgents {
  /** config.toml text defining the custom agents below, plus `extra`. */
  toml: string;
  /** Where the `stubborn` agent writes the pid of its grandchild (which ignores SIGTERM). */
  pidFile: string;
}

/**
 * Custom agents made of /bin/sh:
 * - `stubborn`: prints a line, starts a grandchild that ignores SIGTERM and sleeps, and waits;
 * - `scribbler`: writes changed.txt into its cwd and exits 0 (no read-only sandbox);
 * - `ghost`: a command that does not exist.
 */
export function processAgents(extra = ""): ProcessAgents {
  const pidFile = join(tempDir("patchbay-pids-"), "grandchild.pid");
  const stubborn = `trap '' TERM; echo started; sleep 30 & echo $! > ${pidFile}; wait`;
  const toml = `${extra}
[agents]
kill_grace_seconds = 1

[agents.custom.stubborn]
command = "/bin/sh"
args = ["-c", ${JSON.stringify(stubborn)}]

[agents.custom.scribbler]
command = "/bin/sh"
args = ["-c", "echo changed > changed.txt; echo wrote"]

[agents.custom.ghost]
command = "/nonexistent/patchbay-ghost-agent"
`;
  return { toml, pidFile };
}

export function grandchildPid(pidFile: string): number {
  return Number.parseInt(readFileSync(pidFile, "utf8").trim(), 10);
}

/** True when `pid` is gone; a pid that was never captured is an error, since isProcessAlive says false for it. */
export function processGone(pid: number | undefined): boolean {
  if (pid === undefined || !Number.isInteger(pid) || pid <= 0) throw new Error(`processGone(${pid}): no process id was captured`);
  return !isProcessAlive(pid);
}

/** A read-only plan job that ended at `at` (ms) in `repo`, as stored, with `fields` over it: history to put in a store. */
export function endedJob(repo: string, at = Date.now(), fields: Partial<JobRecord> = {}): JobRecord {
  const when = new Date(at).toISOString();
  return {
    id: newJobId(at),
    kind: "plan",
    state: "succeeded",
    agent: "mock",
    repo,
    cwd: repo,
    access: "read_only",
    created_at: when,
    finished_at: when,
    events: [],
    logs: { stdout: "", stderr: "", stdout_bytes: 0, stderr_bytes: 0, truncated: false },
    ...fields,
  };
}
