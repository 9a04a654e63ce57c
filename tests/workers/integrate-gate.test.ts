/**
 * Integration gated on tests, the merge queue and rebase help: the real tools, the mock agent,
 * real git, and the repository's own test command run from a trusted .ai/patchbay.toml.
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { JOB_TOOLS } from "../../src/jobs/tools/index.ts";
import { loadPipelineConfig, trustPipelineConfig } from "../../src/pipeline/index.ts";
import { WORKER_TOOLS } from "../../src/workers/tools/index.ts";
import { git, makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs } from "../support/patchbay.ts";
import { harnessSet, type ToolHarness } from "../support/tools.ts";
import { mockPrompt, settled, WORKER_TOML, workerHarnesses } from "./support.ts";

const harnesses = workerHarnesses();
const jobHarnesses = harnessSet([...JOB_TOOLS, ...WORKER_TOOLS], { configToml: WORKER_TOML, mode: "full" });
afterAll(async () => {
  await harnesses.closeAll();
  await jobHarnesses.closeAll();
  removeTempDirs();
});

const write = (files: Record<string, string>) =>
  mockPrompt({ write: Object.entries(files).map(([path, content]) => ({ path, content })), message: `wrote ${Object.keys(files).join(", ")}` });

/** The test command prints what it sees of the queue's files, then fails unless value.txt says "good". */
const CHECK = `for f in x.txt y.txt z.txt; do [ -f "$f" ] && echo "saw $f"; done
grep -qx good value.txt || { echo "value.txt is not good: $(cat value.txt)"; exit 3; }
echo "all good"
`;

/** A repository whose trusted pipeline file lists `sh check.sh`, and a session allowed to run it. */
async function testedRepo(options: { trust?: boolean; bashMode?: "full" | "off"; toml?: string; jobs?: boolean } = {}) {
  const repo = makeGitRepo({ "value.txt": "good\n", "check.sh": CHECK, ".ai/patchbay.toml": '[phases.test]\ncommands = ["sh check.sh"]\ntimeout = 60\n' });
  const h = await (options.jobs ? jobHarnesses : harnesses).open(repo, {
    power: { bashMode: options.bashMode ?? "full" },
    configToml: WORKER_TOML + (options.toml ?? ""),
  });
  if (options.trust ?? true) await trustPipelineConfig(h.host.home, repo, await loadPipelineConfig(repo), "test");
  return { repo, h };
}

async function refusal(h: ToolHarness, args: Record<string, unknown>) {
  const result = await h.call("codex_worker_integrate", args);
  expect(result.isError).toBe(true);
  const text = result.content.map((block) => ("text" in block ? block.text : "")).join("");
  return { text, ...(result._meta!["patchbay/error"] as { code: string; details: Record<string, unknown> }) };
}

interface Landed {
  name: string;
  files: string[];
  commit?: string;
  tests?: { passed: boolean; commands: Array<{ command: string; exit_code: number; duration_ms: number }>; log: string };
}

test("a change that breaks the test is refused with the test's output and the base untouched; a passing one lands with its evidence", async () => {
  const { repo, h } = await testedRepo();
  const head = git(repo, "rev-parse", "HEAD");
  await h.ok("codex_worker_start", { name: "breaker", brief: write({ "value.txt": "bad\n" }), agent: "mock" });
  await h.ok("codex_worker_start", { name: "keeper", brief: write({ "notes.txt": "kept\n" }), agent: "mock" });
  await settled(h, "breaker");
  await settled(h, "keeper");

  const refused = await refusal(h, { worker: "breaker", run_tests: true });
  expect(refused.code).toBe("tests_not_passed");
  expect(refused.text).toContain("`sh check.sh` exited 3");
  expect(refused.text).toContain("value.txt is not good: bad");
  expect(refused.details.log_tail).toContain("value.txt is not good: bad");
  const log = (refused.details.tests as { log: string }).log;
  expect(readFileSync(log, "utf8")).toContain("value.txt is not good: bad");
  expect(readFileSync(join(repo, "value.txt"), "utf8")).toBe("good\n");
  expect(git(repo, "status", "--porcelain")).toBe("");
  expect(git(repo, "rev-parse", "HEAD")).toBe(head);
  // The scratch worktree is gone again.
  expect(git(repo, "worktree", "list", "--porcelain")).not.toContain("integrate-");

  const done = await h.ok<{ landed: Landed[]; files: string[]; committed: boolean }>("codex_worker_integrate", { worker: "keeper", run_tests: true });
  expect(done.files).toEqual(["notes.txt"]);
  expect(done.committed).toBe(false);
  expect(done.landed[0]!.tests).toMatchObject({ passed: true, commands: [{ command: "sh check.sh", exit_code: 0 }] });
  expect(readFileSync(done.landed[0]!.tests!.log, "utf8")).toContain("all good");
  expect(readFileSync(join(repo, "notes.txt"), "utf8")).toBe("kept\n");
});

test("tests are not run without the exec capability, nor from an untrusted pipeline file; workers.integrate_requires_tests makes them the default", async () => {
  const off = await testedRepo({ bashMode: "off", toml: "\n[workers]\nintegrate_requires_tests = true\n" });
  await off.h.ok("codex_worker_start", { name: "w", brief: write({ "value.txt": "bad\n" }), agent: "mock" });
  await settled(off.h, "w");
  expect((await refusal(off.h, { worker: "w", run_tests: true })).code).toBe("tool_disabled");
  // The operator's default asks for tests too, so it needs the capability as well.
  expect((await refusal(off.h, { worker: "w" })).code).toBe("tool_disabled");
  expect(readFileSync(join(off.repo, "value.txt"), "utf8")).toBe("good\n");
  // Asked not to test, it lands untested.
  await off.h.ok("codex_worker_integrate", { worker: "w", run_tests: false });
  expect(readFileSync(join(off.repo, "value.txt"), "utf8")).toBe("bad\n");

  const untrusted = await testedRepo({ trust: false, toml: "\n[workers]\nintegrate_requires_tests = true\n" });
  await untrusted.h.ok("codex_worker_start", { name: "w", brief: write({ "value.txt": "bad\n" }), agent: "mock" });
  await settled(untrusted.h, "w");
  expect((await refusal(untrusted.h, { worker: "w" })).code).toBe("pipeline_config_untrusted");
  expect(readFileSync(join(untrusted.repo, "value.txt"), "utf8")).toBe("good\n");
});

test("three ready workers: the queue lands them in order, each tested on top of the ones before, one commit each; a failing one stops the queue", async () => {
  const { repo, h } = await testedRepo();
  for (const [name, file] of [
    ["a", "x.txt"],
    ["b", "y.txt"],
    ["c", "z.txt"],
  ])
    await h.ok("codex_worker_start", { name, brief: write({ [file!]: `${name}\n` }), agent: "mock" });
  for (const name of ["a", "b", "c"]) await settled(h, name);

  const queue = await h.ok<{ landed: Landed[]; not_tried: string[]; stopped?: unknown }>("codex_worker_integrate", {
    all_ready: true,
    run_tests: true,
    commit: true,
    message: "Land the team",
  });
  expect(queue.landed.map((landed) => landed.name)).toEqual(["a", "b", "c"]);
  expect(queue.stopped).toBeUndefined();
  const logs = queue.landed.map((landed) => readFileSync(landed.tests!.log, "utf8"));
  // Each was tested with the ones before it and without the ones after.
  expect(logs[0]).toContain("saw x.txt");
  expect(logs[0]).not.toContain("saw y.txt");
  expect(logs[1]).toContain("saw x.txt\nsaw y.txt");
  expect(logs[1]).not.toContain("saw z.txt");
  expect(logs[2]).toContain("saw x.txt\nsaw y.txt\nsaw z.txt");
  expect(git(repo, "log", "--format=%s", "-3").split("\n")).toEqual(["Land the team (c)", "Land the team (b)", "Land the team (a)"]);
  expect(queue.landed.map((landed) => landed.commit)).toEqual(git(repo, "log", "--format=%H", "-3").split("\n").reverse());
  expect(git(repo, "status", "--porcelain")).toBe("");

  // Nothing is ready any more: all landed.
  const again = await h.ok<{ landed: Landed[] }>("codex_worker_integrate", { all_ready: true, run_tests: true });
  expect(again.landed).toEqual([]);

  // A queue stops at the first failing test: what landed stays, the rest is not tried.
  await h.ok("codex_worker_start", { name: "d", brief: write({ "d.txt": "d\n" }), agent: "mock" });
  await h.ok("codex_worker_start", { name: "bad", brief: write({ "value.txt": "bad\n" }), agent: "mock" });
  await h.ok("codex_worker_start", { name: "e", brief: write({ "e.txt": "e\n" }), agent: "mock" });
  for (const name of ["d", "bad", "e"]) await settled(h, name);
  const stopped = await h.ok<{ landed: Landed[]; stopped: { name: string; code: string; message: string }; not_tried: string[] }>("codex_worker_integrate", {
    workers: ["d", "bad", "e"],
    run_tests: true,
  });
  expect(stopped.landed.map((landed) => landed.name)).toEqual(["d"]);
  expect(stopped.stopped).toMatchObject({ name: "bad", code: "tests_not_passed" });
  expect(stopped.stopped.message).toContain("value.txt is not good: bad");
  expect(stopped.not_tried).toEqual(["e"]);
  expect(existsSync(join(repo, "d.txt"))).toBe(true);
  expect(existsSync(join(repo, "e.txt"))).toBe(false);
  expect(readFileSync(join(repo, "value.txt"), "utf8")).toBe("good\n");
});

test("a worker continued after its first integration is rebased onto the new base and integrates again cleanly; a conflicting base leaves markers and tells the agent", async () => {
  const { repo, h } = await testedRepo();
  await h.ok("codex_worker_start", { name: "w", brief: write({ "f.txt": "first\n", "value.txt": "good\n" }), agent: "mock" });
  await settled(h, "w");
  await h.ok("codex_worker_integrate", { worker: "w", run_tests: true, commit: true, message: "first round" });
  const integrated = git(repo, "rev-parse", "HEAD");

  await h.ok("codex_worker_message", { worker: "w", rebase: true, message: write({ "g.txt": "second\n" }) });
  const view = await settled(h, "w");
  expect(view.worktree!.base_commit).toBe(integrated);
  expect(git(view.worktree!.path, "rev-parse", "HEAD")).toBe(integrated);
  const changes = await h.ok<{ details: { files: Array<{ path: string }> } }>("codex_worker_inspect", { worker: "w", view: "changes" });
  expect(changes.details.files.map((file) => file.path)).toEqual(["g.txt"]);
  const second = await h.ok<{ files: string[]; landed: Landed[] }>("codex_worker_integrate", {
    worker: "w",
    run_tests: true,
    commit: true,
    message: "second round",
  });
  expect(second.files).toEqual(["g.txt"]);
  expect(git(repo, "log", "--format=%s", "-2").split("\n")).toEqual(["second round", "first round"]);

  // The base changes the line the worker is changing: the rebase leaves markers and the agent hears which file.
  await h.ok("codex_worker_message", { worker: "w", message: write({ "g.txt": "third\n" }) });
  await settled(h, "w");
  writeFileSync(join(repo, "g.txt"), "base's third\n");
  git(repo, "commit", "-qam", "base edits g.txt");
  await h.ok("codex_worker_message", { worker: "w", rebase: true, message: "Resolve what the rebase left." });
  const rebased = await settled(h, "w");
  expect(rebased.report).toContain("mock: patchbay moved your worktree onto the current base");
  const merged = readFileSync(join(rebased.worktree!.path, "g.txt"), "utf8");
  expect(merged).toContain("<<<<<<<");
  expect(merged).toContain("third");
  expect(merged).toContain("base's third");
  expect(git(repo, "for-each-ref", "--format=%(refname)", `refs/patchbay/workers/${rebased.worker_id}/pre-rebase`)).not.toBe("");
});

test("a rebase's conflict the agent left unresolved is named to the caller and never lands; resolved, it lands", async () => {
  const { repo, h } = await testedRepo();
  await h.ok("codex_worker_start", { name: "w", brief: write({ "g.txt": "worker's line\n" }), agent: "mock" });
  await settled(h, "w");
  writeFileSync(join(repo, "g.txt"), "base's line\n");
  git(repo, "add", "g.txt");
  git(repo, "commit", "-qm", "base writes g.txt");
  // The agent answers the rebase without touching the file, as an agent that ignored the note would.
  const answer = await h.call("codex_worker_message", { worker: "w", rebase: true, message: mockPrompt({ message: "carried on" }) });
  expect(answer.content.map((block) => ("text" in block ? block.text : "")).join("")).toContain(
    "Merge conflicts from the rebase not yet resolved (its changes do not land until they are): g.txt.",
  );
  const rebased = await settled(h, "w");
  expect(rebased.unresolved_conflicts).toEqual(["g.txt"]);
  const preview = await h.ok<{ details: { ready: boolean; refusals: Array<{ code: string; files: string[] }> } }>("codex_worker_inspect", {
    worker: "w",
    view: "integration_preview",
  });
  expect(preview.details.ready).toBe(false);
  expect(preview.details.refusals).toEqual([expect.objectContaining({ code: "conflict_markers", files: ["g.txt"] })]);
  expect(await h.errorCode("codex_worker_integrate", { worker: "w" })).toBe("conflict_markers");
  // The queue passes it over too.
  await h.call("codex_worker_integrate", { all_ready: true });
  expect(readFileSync(join(repo, "g.txt"), "utf8")).toBe("base's line\n");

  // Resolved by the agent: the markers are gone, and the change lands.
  await h.ok("codex_worker_message", { worker: "w", message: write({ "g.txt": "both lines\n" }) });
  const resolved = await settled(h, "w");
  expect(resolved.unresolved_conflicts).toBeUndefined();
  await h.ok("codex_worker_integrate", { worker: "w" });
  expect(readFileSync(join(repo, "g.txt"), "utf8")).toBe("both lines\n");
});

test("an isolated job's change is gated the same way: a failing test refuses it and leaves the checkout, a passing one lands", async () => {
  const { repo, h } = await testedRepo({ jobs: true });
  const job = async (files: Record<string, string>) => {
    const { job_id } = await h.ok<{ job_id: string }>("codex_apply_job", { spec: write(files), agent: "mock" });
    const done = await h.ok<{ state: string }>("codex_get_result", { job_id, wait_seconds: 30 });
    expect(done.state).toBe("succeeded");
    return job_id;
  };
  const bad = await job({ "value.txt": "bad\n" });
  const refused = await h.call("codex_job_integrate", { job_id: bad, run_tests: true });
  expect(refused.isError).toBe(true);
  expect((refused._meta!["patchbay/error"] as { code: string }).code).toBe("tests_not_passed");
  expect(refused.content.map((block) => ("text" in block ? block.text : "")).join("")).toContain("value.txt is not good: bad");
  expect(readFileSync(join(repo, "value.txt"), "utf8")).toBe("good\n");
  expect(git(repo, "status", "--porcelain")).toBe("");

  const good = await job({ "j.txt": "from a job\n" });
  const landed = await h.ok<{ applied: boolean; committed: boolean; landed: Landed }>("codex_job_integrate", {
    job_id: good,
    run_tests: true,
    commit: true,
    message: "job lands",
  });
  expect(landed).toMatchObject({ applied: true, committed: true, landed: { files: ["j.txt"], tests: { passed: true } } });
  expect(git(repo, "log", "--format=%s", "-1")).toBe("job lands");
});
