/**
 * A real redis-server for tests: Debian's package, installed with apt-get when missing and we are
 * root (CI), started on a free 127.0.0.1 port without persistence and stopped by pid.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { connect, createServer } from "node:net";
import { ensureSystemPackages, systemPackages } from "../../scripts/system-packages.ts";

export interface TestRedis {
  url: string;
  port: number;
  /** One command over RESP (FLUSHALL, DBSIZE, SET...); the reply as text. */
  command(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

let available: Promise<string | undefined> | undefined;

function findRedisServer(): string | undefined {
  const found = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  const path = found.stdout.trim();
  return found.status === 0 && path ? path : undefined;
}

/**
 * The path of redis-server, installed when absent and running as root (scripts/system-packages.ts);
 * undefined (with the reason and the command that fixes it, printed once) otherwise, so the tests
 * that need it skip.
 */
export function redisServerPath(): Promise<string | undefined> {
  return (available ??= (async () => {
    const problem = ensureSystemPackages(systemPackages(["redis-server"]));
    const path = findRedisServer();
    if (!path) console.warn(`SKIP redis tests: ${problem ?? "redis-server is not on PATH"}`);
    return path;
  })());
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** Starts redis-server on a free port; call stop() from afterAll. */
export async function startRedis(path: string): Promise<TestRedis> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    try {
      return await launch(path, port);
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

function launch(path: string, port: number): Promise<TestRedis> {
  const child: ChildProcess = spawn(path, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`redis-server did not start: ${output}`));
    }, 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (!output.includes("Ready to accept connections")) return;
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.stdout?.resume();
      resolve({
        url: `redis://127.0.0.1:${port}`,
        port,
        command: (...args) => respCommand(port, args),
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
          await exited;
        },
      });
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}: ${output}`));
    });
  });
}

/** One command over a fresh connection in RESP; returns the reply's first line without its type byte. */
async function respCommand(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let reply = "";
    socket.on("data", (chunk) => {
      reply += chunk.toString("utf8");
      const end = reply.indexOf("\r\n");
      if (end < 0) return;
      const head = reply.slice(0, end);
      if (head.startsWith("$") && Number(head.slice(1)) >= 0) {
        const length = Number(head.slice(1));
        if (Buffer.byteLength(reply) < end + 2 + length + 2) return;
        socket.end();
        resolve(reply.slice(end + 2, end + 2 + length));
        return;
      }
      socket.end();
      if (head.startsWith("-")) reject(new Error(head.slice(1)));
      else resolve(head.slice(1));
    });
    socket.on("error", reject);
    socket.write(`*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join("")}`);
  });
}
