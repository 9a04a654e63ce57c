/**
 * Issue #11, finding 6: integrating a worker's worktree never follows a symlink out of it and
 * never reads a FIFO or device. In-process through the real tool registry, then through the
 * compiled server and the SDK's HTTP client: six integrations on FIFO links at once do not hang
 * it, and a link to /dev/zero does not grow its memory.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { connectHttp, type TestClient, within } from "../support/clients.ts";
import { git, makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";
import { mockPrompt, settled, workerHarnesses } from "../workers/support.ts";

const harnesses = workerHarnesses();
const servers: TestServer[] = [];
afterAll(async () => {
  await harnesses.closeAll();
  for (const server of servers) server.process.kill("SIGKILL");
  removeTempDirs();
});

const SECRET = "OUTSIDE-SECRET-7e21";

const write = (path: string, content: string) => mockPrompt({ write: { path, content }, message: `wrote ${path}` });

interface Refusal {
  code: string;
  details: { files: string[]; refusals: Array<{ code: string; files: string[] }> };
}

const refusalOf = (result: { _meta?: Record<string, unknown> }) => result._meta?.["patchbay/error"] as Refusal | undefined;

/** A FIFO in a folder of its own, outside every repository. */
function outsideFifo(): string {
  const path = join(tempDir("patchbay-outside-"), "pipe");
  execFileSync("mkfifo", [path]);
  return path;
}

describe("in-process, through the tool registry", () => {
  test("untracked symlinks to an outside file: preview, diff and integrate refuse them and the base never gets them; a link inside the worktree is carried as a link", async () => {
    const outside = tempDir("patchbay-outside-");
    writeFileSync(join(outside, "secret.txt"), `${SECRET}\n`);
    const repo = makeGitRepo({ "a.txt": "a\n" });
    const h = await harnesses.open(repo);
    await h.ok("codex_worker_start", { name: "leaker", brief: write("feature.txt", "feature\n"), agent: "mock" });
    const wt = (await settled(h, "leaker")).worktree!.path;
    symlinkSync(join(outside, "secret.txt"), join(wt, "leak-absolute.txt"));
    symlinkSync(relative(wt, join(outside, "secret.txt")), join(wt, "leak-relative.txt"));

    const result = await h.call("codex_worker_integrate", { worker: "leaker" });
    expect(existsSync(join(repo, "feature.txt"))).toBe(false);
    for (const name of ["leak-absolute.txt", "leak-relative.txt"]) expect(() => lstatSync(join(repo, name))).toThrow();
    expect(git(repo, "status", "--porcelain")).toBe("");
    expect(refusalOf(result)?.code).toBe("unsafe_file");
    expect(refusalOf(result)?.details.files).toEqual(["leak-absolute.txt", "leak-relative.txt"]);

    const preview = await h.ok<{ details: { ready: boolean; refusals: Array<{ code: string; files: string[] }> } }>("codex_worker_inspect", {
      worker: "leaker",
      view: "integration_preview",
    });
    expect(preview.details.ready).toBe(false);
    expect(preview.details.refusals.map((refusal) => refusal.code)).toEqual(["unsafe_file"]);
    const diff = await h.call("codex_worker_inspect", { worker: "leaker", view: "diff", file_path: "leak-absolute.txt" });
    expect(JSON.stringify(diff)).not.toContain(SECRET);
    expect(diff.isError).toBe(true);

    rmSync(join(wt, "leak-absolute.txt"));
    rmSync(join(wt, "leak-relative.txt"));
    symlinkSync("feature.txt", join(wt, "alias.txt"));
    const done = await h.ok<{ files: string[] }>("codex_worker_integrate", { worker: "leaker" });
    expect(done.files).toEqual(["alias.txt", "feature.txt"]);
    expect(lstatSync(join(repo, "alias.txt")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(repo, "alias.txt"))).toBe("feature.txt");
    expect(readFileSync(join(repo, "feature.txt"), "utf8")).toBe("feature\n");
  });

  test("links to a FIFO (outside and inside the worktree) and to /dev/zero: preview and integrate answer at once with a refusal, and the repository lock is released", async () => {
    const repo = makeGitRepo({ "a.txt": "a\n" });
    const h = await harnesses.open(repo);
    await h.ok("codex_worker_start", { name: "piper", brief: write("feature.txt", "feature\n"), agent: "mock" });
    const wt = (await settled(h, "piper")).worktree!.path;
    symlinkSync(outsideFifo(), join(wt, "outside-pipe"));
    execFileSync("mkfifo", [join(wt, "inner-pipe")]);
    symlinkSync("inner-pipe", join(wt, "inner-link"));
    symlinkSync("/dev/zero", join(wt, "zero"));

    const preview = await within(
      10_000,
      h.ok<{ details: { ready: boolean; refusals: Array<{ code: string; files: string[] }> } }>("codex_worker_inspect", {
        worker: "piper",
        view: "integration_preview",
      }),
    );
    expect(preview.details.ready).toBe(false);
    expect(preview.details.refusals).toMatchObject([{ code: "unsafe_file", files: ["inner-link", "outside-pipe", "zero"] }]);
    // Twice: the first refusal released the repository lock, so the second is a refusal too, not repo_busy.
    for (let round = 0; round < 2; round++) {
      const result = await within(10_000, h.call("codex_worker_integrate", { worker: "piper" }));
      expect(refusalOf(result)?.code).toBe("unsafe_file");
    }
    expect(git(repo, "status", "--porcelain")).toBe("");
    const diff = await within(10_000, h.call("codex_worker_inspect", { worker: "piper", view: "diff", file_path: "zero" }));
    expect(diff.isError).toBe(true);
  });
});

describe("through the compiled server and the SDK's HTTP client", () => {
  /** The server's resident memory in MiB, from /proc. */
  function rssMib(pid: number): number {
    const line = readFileSync(`/proc/${pid}/status`, "utf8")
      .split("\n")
      .find((entry) => entry.startsWith("VmRSS:"))!;
    return Number(line.replace(/\D+/g, "")) / 1024;
  }

  /** Runs `pending` while sampling the server's memory; the highest sample and the answer. */
  async function watchingMemory<T>(pid: number, pending: Promise<T>): Promise<{ value: T; peakMib: number }> {
    let peakMib = rssMib(pid);
    let done = false;
    const finished = pending.finally(() => (done = true));
    while (!done) {
      peakMib = Math.max(peakMib, rssMib(pid));
      // A runaway read is stopped here rather than left to take the machine's memory.
      if (peakMib > 500) {
        process.kill(pid, "SIGKILL");
        throw new Error(`the server grew to ${Math.round(peakMib)} MiB`);
      }
      await Promise.race([finished.catch(() => {}), new Promise((tick) => setTimeout(tick, 25))]);
    }
    return { value: await finished, peakMib };
  }

  async function startedWorker(client: TestClient, repo: string, name: string, home: string): Promise<string> {
    const started = await client.callTool("codex_worker_start", { name, repo_path: repo, brief: write(`${name}.txt`, `${name}\n`), agent: "mock" });
    expect(started.isError).toBeFalsy();
    for (let round = 0; round < 10; round++) {
      const inspected = await client.callTool("codex_worker_inspect", { worker: name, repo_path: repo, view: "status", wait_seconds: 30 });
      const worker = (inspected.structuredContent as { worker: { state: string; worktree: { path: string } } }).worker;
      // Over HTTP the worktree reads "$PATCHBAY_HOME/worktrees/…": local paths stay local.
      if (worker.state !== "running" && worker.state !== "starting") return worker.worktree.path.replace("$PATCHBAY_HOME", home);
    }
    throw new Error(`worker ${name} did not settle`);
  }

  test("six concurrent integrations on FIFO links refuse promptly while another tool answers; a /dev/zero link leaves memory bounded", async () => {
    const repos = Array.from({ length: 7 }, () => makeGitRepo({ "a.txt": "a\n" }));
    const server = await startTestServer({ args: ["--root", repos[0]!, ...repos.slice(1).flatMap((repo) => ["--allow-root", repo])] });
    servers.push(server);
    const client = await connectHttp("v1", server.url);
    try {
      const pipe = outsideFifo();
      const names = repos.map((_, index) => `w${index}`);
      const worktrees = await Promise.all(repos.map((repo, index) => startedWorker(client, repo, names[index]!, server.home)));
      for (const wt of worktrees.slice(0, 6)) symlinkSync(pipe, join(wt, "pipe-link"));
      symlinkSync("/dev/zero", join(worktrees[6]!, "zero"));

      const integrations = repos.slice(0, 6).map((repo, index) => client.callTool("codex_worker_integrate", { worker: names[index], repo_path: repo }));
      const list = await within(15_000, client.callTool("codex_worker_list", {}));
      expect(list.isError).toBeFalsy();
      for (const result of await within(15_000, Promise.all(integrations))) expect(refusalOf(result)?.code).toBe("unsafe_file");

      const { value: zero, peakMib } = await watchingMemory(
        server.process.pid!,
        within(15_000, client.callTool("codex_worker_integrate", { worker: names[6], repo_path: repos[6] })),
      );
      expect(refusalOf(zero)?.code).toBe("unsafe_file");
      expect(peakMib).toBeLessThan(500);
      // The repository lock was released: the same call answers again, with the same refusal.
      expect(refusalOf(await within(15_000, client.callTool("codex_worker_integrate", { worker: names[0], repo_path: repos[0] })))?.code).toBe("unsafe_file");
      for (const repo of repos) expect(git(repo, "status", "--porcelain")).toBe("");
    } finally {
      await client.close().catch(() => {});
      // A server hung by a read would not answer SIGTERM: it is killed instead.
      await within(10_000, server.stop()).catch(() => server.process.kill("SIGKILL"));
    }
  });
});
