import { afterAll, describe, expect, test } from "bun:test";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { connectStdio } from "../support/clients.ts";
import { patchbayBinary, patchbayEnv, removeTempDirs, repoRoot, runPatchbay, startTestServer, type TestServer, tempDir } from "../support/patchbay.ts";
import { until } from "../support/until.ts";

afterAll(removeTempDirs);

interface Answer {
  id: number;
  result?: { structuredContent?: Record<string, unknown>; isError?: boolean };
}

/**
 * How the host hands the relay its stdin and stdout: Node and Bun give socket pairs; Codex CLI
 * (Rust), Go and Python hosts and shells give pipes, which this host gets by putting `cat` on
 * either side of the relay (bash's process substitution; the relay takes bash's place, so its exit is the relay's).
 */
type Stdio = "socket pair" | "pipes";

/** A host speaking raw JSON lines to `patchbay stdio` (relayed), so the test controls when stdout is read. */
class RawHost {
  readonly child: ChildProcessWithoutNullStreams;
  readonly answers = new Map<number, Answer>();
  stdoutBytes = 0;
  stderr = "";
  readonly exited: Promise<number | null>;
  private pending = "";
  private nextId = 1;

  /**
   * `through: "node"` runs the relay under a Node host (tests/support/gated-host.mjs) whose reading
   * `toggleReading` stops and starts: a Bun host reads a child's output whether or not it is paused.
   */
  constructor(home: string, root: string, stdio: Stdio, through: "this process" | "node" = "this process") {
    const relay = [patchbayBinary(), "stdio", "--root", root];
    const launch = stdio === "pipes" ? ["bash", "-c", 'exec "$@" < <(exec cat) > >(exec cat)', "bash", ...relay] : relay;
    const [command, ...args] = through === "node" ? ["node", join(repoRoot, "tests", "support", "gated-host.mjs"), "open", ...launch] : launch;
    this.child = spawn(command!, args, { cwd: repoRoot, env: patchbayEnv(home), stdio: ["pipe", "pipe", "pipe"] });
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
    this.child.stderr.on("data", (chunk) => (this.stderr += chunk));
    this.child.stdout.on("data", (chunk: Buffer) => {
      this.stdoutBytes += chunk.length;
      this.pending += chunk.toString("utf8");
      const lines = this.pending.split("\n");
      this.pending = lines.pop()!;
      for (const line of lines) {
        const message = JSON.parse(line) as Answer;
        if (typeof message.id === "number") this.answers.set(message.id, message);
      }
    });
  }

  send(method: string, params: unknown): number {
    const id = this.nextId++;
    this.child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
    return id;
  }

  async initialize(): Promise<void> {
    const id = this.send("initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw-host", version: "1" } });
    await until(() => this.answers.has(id), "the relay to answer initialize");
    this.child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`);
  }

  /** Under a Node host: it stops (or starts again) reading the relay's stdout, and has once this resolves. */
  async toggleReading(): Promise<void> {
    const turns = this.stderr.split("gate: ").length;
    this.child.kill("SIGUSR2");
    await until(() => this.stderr.split("gate: ").length > turns, "the host to turn its gate");
  }

  async call(name: string, args: Record<string, unknown> = {}): Promise<Answer> {
    const id = this.send("tools/call", { name, arguments: args });
    await until(() => this.answers.has(id), `an answer to ${name}`);
    return this.answers.get(id)!;
  }
}

/** What each open descriptor of `pid` names ("pipe:[…]", "socket:[…]", a path); one gone meanwhile is left out. */
function descriptorsOf(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`).flatMap((entry) => {
    try {
      return [readlinkSync(`/proc/${pid}/fd/${entry}`)];
    } catch {
      return [];
    }
  });
}

async function exitCode(host: RawHost): Promise<number | null> {
  let code: number | null | undefined;
  void host.exited.then((value) => (code = value));
  await until(() => code !== undefined, "the relay to exit", { timeoutMs: 15_000 });
  return code!;
}

describe.each(["socket pair", "pipes"] as const)("patchbay stdio relayed to the shared server (compiled binary), stdin and stdout %s", (stdio) => {
  const servers: TestServer[] = [];
  const hosts: RawHost[] = [];
  afterAll(async () => {
    for (const host of hosts) host.child.kill("SIGKILL");
    for (const server of servers) await server.stop();
  });
  const serve = async (home: string) => {
    const server = await startTestServer({ home });
    servers.push(server);
    return server;
  };
  const host = (home: string, root: string, through?: "node") => {
    const started = new RawHost(home, root, stdio, through);
    hosts.push(started);
    return started;
  };
  /** A server on a new home, and a host whose relayed session on it is open. */
  const relayed = async () => {
    const [home, root] = [tempDir(), tempDir()];
    const server = await serve(home);
    const relay = host(home, root);
    await relay.initialize();
    return { home, root, server, relay };
  };
  /** A second session on the same server, which reads how many sessions the server has open. */
  const observer = async (home: string, root: string) => {
    const other = await connectStdio("v2-legacy", { home, args: ["--root", root] });
    const sessions = async () => ((await other.callTool("codex_self_test")).structuredContent as { active_sessions: number }).active_sessions;
    return { other, sessions };
  };

  test("a host closing stdin ends only its own session: its relay exits 0, the server and another session go on", async () => {
    const { home, root, server, relay: closing } = await relayed();
    const { other, sessions } = await observer(home, root);
    try {
      expect(await sessions()).toBe(2);
      closing.child.stdin.end();
      expect(await exitCode(closing)).toBe(0);
      expect(closing.stderr).toBe("");
      await until(sessions, "the server to end the closed session and only that one", { accept: (open) => open === 1, timeoutMs: 15_000 });
      expect(server.process.exitCode).toBeNull();
    } finally {
      await other.close();
    }
  });

  test("a host closing stdin: by the time its relay exits, the server holds no copy of the host's stdin or stdout, so the host sees its stdout end", async () => {
    const { server, relay: closing } = await relayed();
    const handed = [0, 1].map((fd) => readlinkSync(`/proc/${closing.child.pid}/fd/${fd}`));
    // The relay handed its stdin and stdout to the server, which reads and writes them itself.
    expect(descriptorsOf(server.process.pid!)).toEqual(expect.arrayContaining(handed));
    closing.child.stdin.end();
    expect(await exitCode(closing)).toBe(0);
    // A copy left open (Bun's writer keeps one until its end()) would hold the host's read open after the relay is gone.
    expect(descriptorsOf(server.process.pid!).filter((held) => handed.includes(held))).toEqual([]);
  });

  test("a host ending the relay with SIGTERM: it is gone at once, and the server ends its session and only that one", async () => {
    const { home, root, relay: ended } = await relayed();
    const { other, sessions } = await observer(home, root);
    try {
      expect(await sessions()).toBe(2);
      let signal: string | null | undefined;
      ended.child.once("exit", (_code, received) => (signal = received));
      ended.child.kill("SIGTERM");
      await until(() => signal !== undefined, "the relay to exit on SIGTERM", { timeoutMs: 5_000 });
      expect(signal).toBe("SIGTERM");
      await until(sessions, "the server to end the relay's session", { accept: (open) => open === 1, timeoutMs: 15_000 });
    } finally {
      await other.close();
    }
  });

  test("the server serves the host's own pipes: with the relay stopped (SIGSTOP), calls are still answered", async () => {
    const { relay: stopped } = await relayed();
    // The relay handed stdin and stdout to the server, so no message passes through it any more.
    process.kill(stopped.child.pid!, "SIGSTOP");
    try {
      expect((await stopped.call("codex_list_workspaces")).result?.isError).toBeFalsy();
      expect((await stopped.call("codex_tool_mode_info")).result?.isError).toBeFalsy();
    } finally {
      process.kill(stopped.child.pid!, "SIGCONT");
    }
  });

  test("the relay killed: the server lets go of the host's pipes, so the host's stdout ends", async () => {
    const { relay: killed } = await relayed();
    let ended = false;
    killed.child.stdout.once("end", () => (ended = true));
    killed.child.kill("SIGKILL");
    // Until every copy of the write end is closed the host reads on: the server's copy too.
    await until(() => ended, "the host's stdout to end", { timeoutMs: 15_000 });
  });

  test("a notification and a request written one after the other: the request is not held back for the server's ACK", async () => {
    const { relay: quick } = await relayed();
    const pairs = 30;
    const started = performance.now();
    for (let pair = 0; pair < pairs; pair++) {
      quick.child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: -1 } })}\n`);
      // A turn of the event loop between the two writes, so the relay reads (and sends) them one by one, as hosts' writes come.
      await new Promise((resolve) => setImmediate(resolve));
      expect((await quick.call("codex_tool_mode_info")).result?.isError).toBeFalsy();
    }
    // With Nagle's algorithm on the relay's socket each request waits for the notification's delayed ACK (40 ms on
    // Linux): 30 pairs take 1.2 s or more. Without it they take a few milliseconds each, even on a loaded machine.
    expect(performance.now() - started).toBeLessThan(pairs * 20);
  });

  test("a record whose credential is not the server's: the relay exits 1 with the server's refusal, prints neither credential, sends the host nothing", async () => {
    const home = tempDir();
    const root = tempDir();
    const server = await serve(home);
    const record = join(home, "run", "server.json");
    const real = JSON.parse(readFileSync(record, "utf8")) as { credential: string };
    const forged = "f".repeat(real.credential.length);
    writeFileSync(record, JSON.stringify({ ...real, credential: forged }));
    const refused = host(home, root);
    refused.send("initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw-host", version: "1" } });
    expect(await exitCode(refused)).toBe(1);
    expect(refused.stdoutBytes).toBe(0);
    expect(refused.stderr).toContain("wrong local credential");
    expect(refused.stderr).not.toContain(forged);
    expect(refused.stderr).not.toContain(real.credential);
    expect(server.process.exitCode).toBeNull();
  });

  test("a control port that takes the connection and closes it: the relay exits 1 and says the server did not answer", async () => {
    const home = tempDir();
    const root = tempDir();
    const closing = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => closing.listen(0, "127.0.0.1", resolve));
    try {
      const port = (closing.address() as { port: number }).port;
      // This test's own process stands in for the server: the record needs a live pid.
      mkdirSync(join(home, "run"), { recursive: true });
      const owner = { pid: process.pid, kind: "server", version: "0", started_at: new Date().toISOString(), control_port: port, credential: "c", http: [] };
      writeFileSync(join(home, "run", "server.json"), JSON.stringify(owner));
      const orphan = host(home, root);
      expect(await exitCode(orphan)).toBe(1);
      expect(orphan.stdoutBytes).toBe(0);
      expect(orphan.stderr).toContain(`the server (pid ${process.pid}) closed the connection`);
      expect(orphan.stderr).toContain("`patchbay status`");
    } finally {
      closing.close();
    }
  });

  test("10 MB of answers reach a host that reads nothing until the server has answered every call, each answer whole", async () => {
    const home = tempDir();
    const root = tempDir();
    const line = `${"0123456789abcdef".repeat(6)}\n`;
    const text = line.repeat(Math.floor(190_000 / line.length));
    writeFileSync(join(root, "big.txt"), text);
    await serve(home);
    const reader = host(home, root, "node");
    await reader.initialize();
    const calls = 27;
    await reader.toggleReading();
    const ids = Array.from({ length: calls }, () => reader.send("tools/call", { name: "codex_read_file", arguments: { file_path: "big.txt" } }));
    // The server logs a call once its answer is handed to the session: then all of it was written while the host read nothing.
    const audit = join(home, "logs", "audit.log");
    const answered = () =>
      existsSync(audit)
        ? readFileSync(audit, "utf8")
            .split("\n")
            .filter((entry) => entry.includes('"codex_read_file"')).length
        : 0;
    await until(() => answered() >= calls, "the server to answer every call");
    // Held back for real: what reached the host is what its buffers took before they filled, far from 10 MB.
    expect(reader.stdoutBytes).toBeLessThan(2_000_000);
    await reader.toggleReading();
    await until(() => ids.every((id) => reader.answers.has(id)), "every answer to arrive", { timeoutMs: 60_000 });
    for (const id of ids) expect(reader.answers.get(id)?.result?.structuredContent?.content).toBe(text);
    expect(reader.stdoutBytes).toBeGreaterThan(10_000_000);
    expect((await reader.call("codex_list_workspaces")).result?.isError).toBeFalsy();
    reader.child.stdin.end();
    expect(await exitCode(reader)).toBe(0);
  }, 120_000);

  test("the server killed: the relay exits 1 and says on stderr that the server ended the session and what to do", async () => {
    const { server, relay: orphan } = await relayed();
    expect((await orphan.call("codex_list_workspaces")).result?.isError).toBeFalsy();
    server.process.kill("SIGKILL");
    expect(await exitCode(orphan)).toBe(1);
    expect(orphan.stderr).toContain(`patchbay: the patchbay server (pid ${server.process.pid}) ended this session: it stopped or was killed`);
    expect(orphan.stderr).toContain("next: ");
    expect(orphan.stderr).toContain("`patchbay status`");
  });
});

test("three hosts connecting at once with no server running: one background server starts, and it serves all three", async () => {
  const home = tempDir("patchbay-first-connection-");
  const root = tempDir("patchbay-first-connection-root-");
  const clients = await Promise.all([1, 2, 3].map(() => connectStdio("v2-legacy", { home, args: ["--root", root] })));
  try {
    // Each relay waited for the record of the server that won the claim, then handed its host to it.
    const answers = await Promise.all(clients.map((client) => client.callTool("codex_self_test")));
    expect(answers.map((answer) => (answer.structuredContent as { active_sessions: number }).active_sessions)).toEqual([3, 3, 3]);
    const status = JSON.parse((await runPatchbay(["status", "--json"], { home })).stdout) as { pid: number; sessions: { stdio: number } };
    expect(status.sessions.stdio).toBe(3);
    // A server that lost the claim exits at once, perhaps not yet: wait for it to be gone (bounded), then only the winner runs.
    const servers = () =>
      readdirSync("/proc").filter((pid) => {
        try {
          return (
            /^\d+$/.test(pid) &&
            readFileSync(`/proc/${pid}/environ`, "utf8").includes(`PATCHBAY_HOME=${home}\0`) &&
            readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("\0start\0")
          );
        } catch {
          return false; // gone meanwhile, or not ours
        }
      });
    expect(await until(servers, "only the winning server to run for the home", { accept: (pids) => pids.length <= 1 })).toEqual([String(status.pid)]);
  } finally {
    await Promise.all(clients.map((client) => client.close()));
    await runPatchbay(["stop"], { home });
  }
});
