/**
 * A job's progress as server activity for the hosts' logs: a job or worker turn starting and
 * ending at info, a stop at warning, a failure (or an agent's error line) at error. The agent's
 * routine lines (commands, edits) stay in the job's own progress and record.
 */
import type { JobProgress, JobRecord, JobState } from "../jobs/index.ts";
import type { ActivityEvent, ActivityLevel } from "../mcp/activity.ts";

const END_LEVELS: Partial<Record<JobState, ActivityLevel>> = {
  succeeded: "info",
  cancelled: "warning",
  interrupted: "warning",
  timed_out: "error",
  failed: "error",
};

function levelOf(text: string): ActivityLevel | undefined {
  if (text === "job running") return "info";
  if (text.startsWith("job ")) return END_LEVELS[text.slice(4) as JobState];
  if (text.startsWith("error: ")) return "error";
  return undefined;
}

export function jobActivity(progress: JobProgress, record: JobRecord): ActivityEvent | undefined {
  const level = levelOf(progress.text);
  if (!level) return undefined;
  const worker = record.usage_owner?.worker;
  const subject = worker ? `worker ${worker} turn ${record.id}` : `job ${record.id} (${record.kind}, ${record.agent})`;
  const what = progress.text.startsWith("job ") ? progress.text.slice(4) : progress.text;
  return { level, source: worker ? "workers" : "jobs", text: `${subject}: ${what}`, repo: record.repo, clientRef: record.client_ref };
}
