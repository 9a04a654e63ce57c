/** The job runtime through the job tools, in-process, with the mock agent and small /bin/sh agents. */
import { afterAll, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { JOB_TOOLS } from "../../src/jobs/tools/index.ts";
import { git, makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs } from "../support/patchbay.ts";
import { harnessSet } from "../support/tools.ts";
import { until } from "../support/until.ts";
import { grandchildPid, mockPrompt, processAgents, processGone } from "./support.ts";

const harnesses = harnessSet(JOB_TOOLS, { mode: "standard" });
afterAll(async () => {
  await harnesses.closeAll();
  removeTempDirs();
});

interface View {
  job_id: string;
  state: string;
  done: boolean;
  session_id?: string;
  started_at?: string;
  finished_at?: string;
  worktree?: { path: string; branch: string; base_commit: string };
  result?: { final_message?: string; changed_files: string[]; error?: string; error_code?: string; usage?: { inputTokens: number } };
  exit?: { ended_by: string };
  logs: { stdout: string; stderr: string };
  events: Array<{ text: string }>;
}

function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

test("a job's text carries its whole answer and says its state in words", async () => {
  // Gemini's model reads only a result's text (docs/hosts.md): a plan is the job's answer, whole.
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const h = await harnesses.open(repo);
  const plan = Array.from({ length: 200 }, (_, step) => `${step + 1}. change module ${step} and run its tests`).join("\n");
  const started = await h.ok<View>("codex_plan_job", { spec: mockPrompt({ message: plan }), agent: "mock" });
  const done = await h.call("codex_get_result", { job_id: started.job_id, wait_seconds: 30 });
  const text = done.content.map((block) => ("text" in block ? block.text : "")).join("");
  expect(plan.length).toBeGreaterThan(4000);
  expect(text.startsWith(`Job ${started.job_id} (plan, mock) succeeded.`)).toBe(true);
  expect(text.endsWith(`\n\n${plan}`)).toBe(true);
});

test("a plan job runs to succeeded, and its record keeps the outcome but never the prompt", async () => {
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const h = await harnesses.open(repo);
  const secretPrompt = "PROMPT-BODY-7f3a91 explain the repo";
  const started = await h.ok<View>("codex_plan_job", { spec: mockPrompt({ message: "all clear", session: "sess-1" }, secretPrompt), agent: "mock" });
  expect(started.job_id).toMatch(/^job_[0-9a-z]{22}$/);
  expect(["pending", "running"]).toContain(started.state);
  const done = await h.ok<View>("codex_get_result", { job_id: started.job_id, wait_seconds: 30 });
  expect(done.state).toBe("succeeded");
  expect(done.done).toBe(true);
  expect(done.session_id).toBe("sess-1");
  expect(done.result?.final_message).toBe("all clear");
  expect(done.result?.usage?.inputTokens).toBeGreaterThan(0);
  expect(done.exit?.ended_by).toBe("exit");
  expect(done.events.map((event) => event.text)).toContain("said: all clear");
  expect(readFileSync(done.logs.stdout, "utf8")).toContain('"thread_id":"sess-1"');
  expect(statSync(done.logs.stdout).mode & 0o777).toBe(0o600);
  // Nothing under the home (records, logs, scratch) holds the prompt body.
  for (const file of allFiles(h.host.home)) expect(readFileSync(file, "utf8")).not.toContain("PROMPT-BODY-7f3a91");
  const status = await h.ok<View>("codex_get_status", { job_id: started.job_id });
  expect(status.state).toBe("succeeded");
});

test("with max_concurrent_jobs = 1 the second job waits pending until the first ends", async () => {
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const h = await harnesses.open(repo, { configToml: "[server]\nmax_concurrent_jobs = 1\n" });
  const first = await h.ok<View>("codex_plan_job", { spec: mockPrompt({ sleep_ms: 600 }), agent: "mock" });
  const second = await h.ok<View>("codex_plan_job", { spec: mockPrompt({}), agent: "mock" });
  expect(second.state).toBe("pending");
  await until(async () => (await h.host.jobs.get(first.job_id)).state, "the first job to run", { accept: (state) => state === "running" });
  expect((await h.host.jobs.get(second.job_id)).state).toBe("pending");
  expect(h.host.jobs.running()).toBe(1);
  const a = await h.ok<View>("codex_get_result", { job_id: first.job_id, wait_seconds: 30 });
  const b = await h.ok<View>("codex_get_result", { job_id: second.job_id, wait_seconds: 30 });
  expect([a.state, b.state]).toEqual(["succeeded", "succeeded"]);
  expect(Date.parse(b.started_at!)).toBeGreaterThanOrEqual(Date.parse(a.finished_at!));
});

test("cancel ends the whole process group, also a grandchild that ignores SIGTERM", async () => {
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const agents = processAgents();
  const h = await harnesses.open(repo, { configToml: agents.toml });
  const job = await h.ok<View>("codex_plan_job", { spec: "wait", agent: "stubborn" });
  await until(() => existsSync(agents.pidFile) && readFileSync(agents.pidFile, "utf8").trim() !== "", "the agent to write its grandchild's pid");
  const pid = grandchildPid(agents.pidFile);
  expect(processGone(pid)).toBe(false);
  const cancelled = await h.ok<View>("codex_cancel_job", { job_id: job.job_id });
  expect(cancelled.state).toBe("cancelled");
  expect(cancelled.exit?.ended_by).toBe("cancelled");
  expect(processGone(pid)).toBe(true);
});

test("the wall-clock timeout ends the job as timed_out and leaves no process behind", async () => {
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const agents = processAgents("[server]\njob_timeout_seconds = 1\n");
  const h = await harnesses.open(repo, { configToml: agents.toml });
  const job = await h.ok<View>("codex_plan_job", { spec: "wait", agent: "stubborn" });
  const done = await h.ok<View>("codex_get_result", { job_id: job.job_id, wait_seconds: 20 });
  expect(done.state).toBe("timed_out");
  expect(done.result?.error_code).toBe("timeout");
  expect(processGone(grandchildPid(agents.pidFile))).toBe(true);
});

test("a pending job is cancelled without ever starting", async () => {
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const h = await harnesses.open(repo, { configToml: "[server]\nmax_concurrent_jobs = 1\n" });
  const first = await h.ok<View>("codex_plan_job", { spec: mockPrompt({ sleep_ms: 400 }), agent: "mock" });
  const second = await h.ok<View>("codex_plan_job", { spec: mockPrompt({}), agent: "mock" });
  const cancelled = await h.ok<View>("codex_cancel_job", { job_id: second.job_id });
  expect(cancelled.state).toBe("cancelled");
  expect(cancelled.started_at).toBeUndefined();
  expect((await h.ok<View>("codex_get_result", { job_id: first.job_id, wait_seconds: 30 })).state).toBe("succeeded");
});

test("an apply job works in its own worktree and branch; get_diff shows only files it changed", async () => {
  const repo = makeGitRepo({ "src/keep.ts": "export const keep = 1;\n" });
  const h = await harnesses.open(repo);
  const job = await h.ok<View>("codex_apply_job", {
    spec: mockPrompt({
      write: [
        { path: "src/a.ts", content: "export const a = 1;\n" },
        { path: "img.bin", content: "\u0000\u0001binary" },
      ],
    }),
    agent: "mock",
  });
  const done = await h.ok<View>("codex_get_result", { job_id: job.job_id, wait_seconds: 30 });
  expect(done.state).toBe("succeeded");
  const worktree = done.worktree!;
  expect(worktree.path).toBe(join(h.host.home, "worktrees", "jobs", job.job_id));
  expect(worktree.branch).toBe(`patchbay/job-${job.job_id}`);
  expect(worktree.base_commit).toBe(git(repo, "rev-parse", "HEAD"));
  expect(git(repo, "branch", "--list", worktree.branch)).toContain(worktree.branch);
  expect(existsSync(join(repo, "src/a.ts"))).toBe(false); // the checkout is untouched
  expect(done.result?.changed_files).toEqual(["img.bin", "src/a.ts"]);
  expect(done.events.map((event) => event.text)).toContain("added src/a.ts");

  const diff = await h.ok<{ status: string; diff: string; binary: boolean }>("codex_get_diff", { job_id: job.job_id, file_path: "src/a.ts" });
  expect(diff.status).toBe("added");
  expect(diff.diff).toContain("+export const a = 1;");
  const binary = await h.ok<{ binary: boolean; diff: string }>("codex_get_diff", { job_id: job.job_id, file_path: "img.bin" });
  expect(binary.binary).toBe(true);
  expect(binary.diff).toContain("diff omitted");
  expect(await h.errorCode("codex_get_diff", { job_id: job.job_id, file_path: "src/keep.ts" })).toBe("file_not_changed");
  expect(await h.errorCode("codex_get_diff", { job_id: job.job_id, file_path: "../escape" })).toBe("file_not_changed");
});

test("a read-only job on an agent without a read-only sandbox fails when it changed the tree", async () => {
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const h = await harnesses.open(repo, { configToml: processAgents().toml });
  const job = await h.ok<View>("codex_plan_job", { spec: "look", agent: "scribbler" });
  const done = await h.ok<View>("codex_get_result", { job_id: job.job_id, wait_seconds: 20 });
  expect(done.state).toBe("failed");
  expect(done.result?.error_code).toBe("read_only_violation");
  expect(done.result?.error).toContain("changed files in a read-only job");
});

test("codex_review refuses contradictory targets and unknown commits", async () => {
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const h = await harnesses.open(repo);
  expect(await h.errorCode("codex_review", { agent: "mock", uncommitted: true, base: "main" })).toBe("invalid_arguments");
  expect(await h.errorCode("codex_review", { agent: "mock", uncommitted: true, commit: "HEAD" })).toBe("invalid_arguments");
  expect(await h.errorCode("codex_review", { agent: "mock", base: "main", commit: "HEAD" })).toBe("invalid_arguments");
  expect(await h.errorCode("codex_review", { agent: "mock", commit: "no-such-ref" })).toBe("invalid_arguments");
  const review = await h.ok<View>("codex_review", { agent: "mock", commit: "HEAD", title: "check" });
  expect((await h.ok<View>("codex_get_result", { job_id: review.job_id, wait_seconds: 20 })).state).toBe("succeeded");
});

test("unknown agents, missing executables and unsupported options are clear errors", async () => {
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const h = await harnesses.open(repo, { configToml: processAgents().toml });
  expect(await h.errorCode("codex_plan_job", { spec: "x", agent: "nosuch" })).toBe("unknown_agent");
  const missing = await h.call("codex_plan_job", { spec: "x", agent: "ghost" });
  expect(missing.isError).toBe(true);
  const text = JSON.stringify(missing.content);
  expect(text).toContain("/nonexistent/patchbay-ghost-agent");
  expect(text).toContain("agents.custom.ghost.command");
  expect(await h.errorCode("codex_resume", { session_id: "s1", agent: "scribbler" })).toBe("unsupported_by_agent");
  expect(await h.errorCode("codex_plan_job", { spec: "x", agent: "scribbler", structured_output: true })).toBe("unsupported_by_agent");
  expect(await h.errorCode("codex_plan_job", { spec: "x", agent: "mock", config_overrides: ["model=x"] })).toBe("config_override_refused");
  // The registry refuses the bypass (capability "unsandboxed") before the handler builds a job.
  expect(await h.errorCode("codex_apply_job", { spec: "x", agent: "mock", dangerously_bypass: true })).toBe("tool_disabled");
  expect(await h.errorCode("codex_interactive", { spec: "x", agent: "mock", sandbox: "danger-full-access" })).toBe("tool_disabled");
  expect(h.host.jobs.running()).toBe(0);
  expect(await h.errorCode("codex_plan_job", { spec: "x", agent: "mock", images: ["a.png"] })).toBe("unsupported_option");
  expect(await h.errorCode("codex_plan_job", { spec: "x", agent: "mock", add_dirs: ["/"] })).toBe("path_outside_roots");
  expect(await h.errorCode("codex_get_status", { job_id: "job_nope" })).toBe("job_not_found");
});

test("an interactive session continues with replies and is listed without transcripts", async () => {
  const repo = makeGitRepo({ "a.txt": "a\n" });
  const h = await harnesses.open(repo);
  const first = await h.ok<View>("codex_interactive", { spec: mockPrompt({ message: "hello", session: "chat-1" }), agent: "mock", sandbox: "read-only" });
  expect(first.state).toBe("succeeded");
  expect(first.session_id).toBe("chat-1");
  const reply = await h.ok<View & { parent_job_id?: string }>("codex_interactive_reply", { session_id: "chat-1", spec: mockPrompt({ message: "again" }) });
  expect(reply.state).toBe("succeeded");
  expect(reply.session_id).toBe("chat-1");
  expect(reply.parent_job_id).toBe(first.job_id);
  expect(reply.result?.final_message).toBe("again");
  expect(await h.errorCode("codex_interactive_reply", { session_id: "unknown-session", spec: "hi" })).toBe("session_not_found");
  const listed = await h.ok<{ sessions: Array<{ session_id: string; jobs: number; last_job_id: string }> }>("codex_list_sessions", {});
  expect(listed.sessions).toEqual([expect.objectContaining({ session_id: "chat-1", jobs: 2, last_job_id: reply.job_id })]);
});
