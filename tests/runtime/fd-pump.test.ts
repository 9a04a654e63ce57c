import { afterEach, describe, expect, test } from "bun:test";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { repoRoot } from "../support/patchbay.ts";
import { until } from "../support/until.ts";

/**
 * The relay's byte pump (src/runtime/fd-pump.ts) between a real child's stdin/stdout and a real
 * TCP server on 127.0.0.1. The host is Node (tests/support/gated-host.mjs), whose child gets a
 * socket pair; for pipes (Codex CLI, shells), bash's process substitution puts `cat` on either
 * side of the pump, which takes bash's place.
 */
const child = join(repoRoot, "tests", "runtime", "pump-child.ts");
const gatedHost = join(repoRoot, "tests", "support", "gated-host.mjs");

interface Peer {
  server: Server;
  port: number;
  connection: Promise<Socket>;
}

const servers: Server[] = [];
const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const started of children.splice(0)) started.kill("SIGKILL");
  for (const server of servers.splice(0)) server.close();
});

/** A server that takes one connection, reads the hello line and answers `answer`. */
async function peer(answer: string): Promise<Peer> {
  let accepted: (socket: Socket) => void = () => {};
  const connection = new Promise<Socket>((resolve) => (accepted = resolve));
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    let hello = "";
    const onHello = (chunk: Buffer) => {
      hello += chunk.toString("latin1");
      if (!hello.includes("\n")) return;
      socket.off("data", onHello);
      socket.pause();
      expect(hello).toBe("hello\n");
      socket.write(answer);
      accepted(socket);
    };
    socket.on("data", onHello);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port, connection };
}

class PumpHost {
  readonly process: ChildProcessWithoutNullStreams;
  private readonly chunks: Buffer[] = [];
  /** Bytes the host has read from the pump's stdout so far. */
  received = 0;
  stderr = "";
  code: number | null | undefined;

  /** `gated`: the host reads nothing from the pump until `read()`. */
  constructor(port: number, stdio: "socket pair" | "pipes", gate: "gated" | "open" = "open") {
    const pump = [process.execPath, child, String(port)];
    const launch = stdio === "pipes" ? ["bash", "-c", 'exec "$@" < <(exec cat) > >(exec cat)', "bash", ...pump] : pump;
    this.process = spawn("node", [gatedHost, gate, ...launch], { cwd: repoRoot, stdio: ["pipe", "pipe", "pipe"] });
    children.push(this.process);
    this.process.stdout.on("data", (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.received += chunk.length;
    });
    this.process.stderr.on("data", (chunk) => (this.stderr += chunk));
    this.process.once("exit", (code) => (this.code = code));
  }

  /** What the host has read from the pump's stdout. */
  get stdout(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** A gated host starts reading the pump's stdout (its SIGUSR2 handler is in place once it has forwarded any stdin). */
  read(): void {
    this.process.kill("SIGUSR2");
  }

  async exited(): Promise<number | null> {
    await until(() => this.code !== undefined, "the pump to exit", { timeoutMs: 15_000 });
    return this.code!;
  }
}

describe.each(["socket pair", "pipes"] as const)("the relay's FFI byte pump, stdin and stdout %s", (stdio) => {
  test("what followed the answer line reaches stdout first; a host that reads nothing until the server has its 8 MB gets them in, then 8 MB out", async () => {
    const server = await peer("ok\nfirst ");
    const host = new PumpHost(server.port, stdio, "gated");
    const socket = await server.connection;
    const up = randomBytes(8 * 1024 * 1024);
    const down = randomBytes(8 * 1024 * 1024);
    const received: Buffer[] = [];
    let receivedBytes = 0;
    socket.on("data", (chunk: Buffer) => {
      received.push(chunk);
      receivedBytes += chunk.length;
    });
    socket.resume();
    // The way back to the host is full (more than the kernel's buffers hold) while the way in still flows:
    // a pump that blocked writing to stdout would never read stdin again, and this host never reads first.
    socket.write(down);
    host.process.stdin.write(up);
    await until(() => receivedBytes === up.length, "every byte from stdin to reach the server", { timeoutMs: 60_000 });
    expect(host.received).toBeLessThan(down.length);
    host.read();
    await until(() => host.received === down.length + 6, "every byte from the server to reach stdout", { timeoutMs: 60_000 });
    expect(Buffer.concat(received).equals(up)).toBe(true);
    expect(host.stdout.subarray(0, 6).toString()).toBe("first ");
    expect(host.stdout.subarray(6).equals(down)).toBe(true);
    // The gated host says "gate: open" on the same stderr, whenever its line arrives.
    expect(host.stderr.replace("gate: open\n", "")).toBe("answer: ok\n");
  }, 90_000);

  test("the host closing stdin: the server sees the end, its last words still reach stdout, the pump exits 0", async () => {
    const server = await peer("ok\n");
    const host = new PumpHost(server.port, stdio);
    const socket = await server.connection;
    let ended = false;
    socket.on("end", () => {
      ended = true;
      socket.end("last words");
    });
    socket.resume();
    host.process.stdin.end("bye");
    expect(await host.exited()).toBe(0);
    expect(ended).toBe(true);
    expect(host.stdout.toString()).toBe("last words");
    expect(host.stderr).toBe("answer: ok\nended: host_closed\n");
  });

  test("the server closing first: the pump says so and exits, though the host still holds stdin open", async () => {
    const server = await peer("ok\n");
    const host = new PumpHost(server.port, stdio);
    const socket = await server.connection;
    socket.end("goodbye");
    expect(await host.exited()).toBe(0);
    expect(host.stdout.toString()).toBe("goodbye");
    expect(host.stderr).toBe("answer: ok\nended: peer_closed\n");
  });
});
