/**
 * The relay's handoff of the host's stdin and stdout to the server (src/runtime/fd-handoff.ts,
 * src/server/control-server.ts), spoken by hand on the control port: what a relay that cannot hand
 * its pipes over gets, and what the server does with descriptors sent without the ticket it gave.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { closeSync, constants, openSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { handOff } from "../../src/runtime/index.ts";
import { connectStdio } from "../support/clients.ts";
import { removeTempDirs, startTestServer, type TestServer, tempDir } from "../support/patchbay.ts";
import { until } from "../support/until.ts";

afterAll(removeTempDirs);

/** One control connection read line by line. */
class ControlConnection {
  readonly lines: string[] = [];
  private pending = "";

  private constructor(readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      const parts = (this.pending + chunk.toString("utf8")).split("\n");
      this.pending = parts.pop()!;
      this.lines.push(...parts);
    });
  }

  static async open(home: string): Promise<ControlConnection> {
    const owner = JSON.parse(readFileSync(join(home, "run", "server.json"), "utf8")) as { control_port: number };
    const socket = connect(owner.control_port, "127.0.0.1");
    await new Promise((resolve) => socket.once("connect", resolve));
    return new ControlConnection(socket);
  }

  send(message: unknown): void {
    this.socket.write(`${JSON.stringify(message)}\n`);
  }

  async line(what: string): Promise<unknown> {
    const seen = this.lines.length;
    await until(() => this.lines.length > seen || this.socket.closed, what, { timeoutMs: 10_000 });
    return JSON.parse(this.lines[seen] ?? "null");
  }
}

describe("the handoff of a relay's pipes, on the control port", () => {
  let server: TestServer;
  let credential: string;
  afterAll(() => server?.stop());

  /** A relay's hello asking for a handoff; the server's offer (socket name, ticket). */
  const offered = async () => {
    server ??= await startTestServer();
    credential ??= (JSON.parse(readFileSync(join(server.home, "run", "server.json"), "utf8")) as { credential: string }).credential;
    const root = tempDir();
    const connection = await ControlConnection.open(server.home);
    const scope = { allowedRoots: [root], defaultRoot: root, power: { directWrite: false, bashMode: "off", codexSessionRead: false } };
    connection.send({ v: 1, credential, op: "relay", session: { mode: "minimal", scope }, handoff: true });
    const reply = (await connection.line("the server's answer to the hello")) as { ok: boolean; data?: { handoff?: { socket: string; ticket: string } } };
    expect(reply.ok).toBe(true);
    expect(reply.data?.handoff?.ticket).toMatch(/^[0-9a-f]{64}$/);
    return { connection, offer: reply.data!.handoff! };
  };

  /** The MCP session goes on over the connection itself, as without a handoff. */
  const servesOverTheConnection = async (connection: ControlConnection) => {
    connection.send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    });
    const answer = (await connection.line("the answer to initialize")) as { id: number; result?: { serverInfo?: { name: string } } };
    expect(answer.id).toBe(1);
    expect(answer.result?.serverInfo?.name).toBe("patchbay");
  };

  test("a relay that declines the offer gets its session over the connection", async () => {
    const { connection } = await offered();
    connection.send({ handoff: "declined" });
    await servesOverTheConnection(connection);
    connection.socket.destroy();
  });

  test("descriptors sent with a ticket the server did not give are closed at once, and the relay that said `sent` without sending is refused and served over the connection", async () => {
    const { connection, offer } = await offered();
    const fifo = join(tempDir(), "stolen");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    // Read and write, so opening does not wait for a peer: a pipe the server must not keep.
    const fd = openSync(fifo, constants.O_RDWR);
    try {
      expect(await handOff(offer.socket, "0".repeat(64), [fd, fd])).toBe(true);
      connection.send({ handoff: "sent" });
      expect(await connection.line("the server's answer to `sent`")).toEqual({ handoff: "refused" });
      await servesOverTheConnection(connection);
      // The server read the forged handoff while it looked for this relay's: it holds nothing of it.
      const held = readdirSync(`/proc/${server.process.pid}/fd`).filter((entry) => {
        try {
          return readlinkSync(`/proc/${server.process.pid}/fd/${entry}`) === fifo;
        } catch {
          return false;
        }
      });
      expect(held).toEqual([]);
    } finally {
      closeSync(fd);
      connection.socket.destroy();
    }
  });

  test("a ticket serves one handoff: sent again on a second connection, it is refused", async () => {
    const first = await offered();
    first.connection.send({ handoff: "declined" });
    await servesOverTheConnection(first.connection);
    const second = await offered();
    const fifo = join(tempDir(), "replayed");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const fd = openSync(fifo, constants.O_RDWR);
    try {
      // The first connection's ticket, spent when it declined.
      expect(await handOff(second.offer.socket, first.offer.ticket, [fd, fd])).toBe(true);
      second.connection.send({ handoff: "sent" });
      expect(await second.connection.line("the server's answer to `sent`")).toEqual({ handoff: "refused" });
    } finally {
      closeSync(fd);
      first.connection.socket.destroy();
      second.connection.socket.destroy();
    }
  });

  test("strangers filling the handoff socket's backlog: a relay still serves its host, over the connection instead", async () => {
    const { connection, offer } = await offered();
    connection.send({ handoff: "declined" });
    await servesOverTheConnection(connection);
    // Anyone on the machine can connect; the server accepts only when a relay says it sent, so these wait in the backlog.
    const strangers = Array.from({ length: 100 }, () => connect({ path: `\0${offer.socket}` }));
    let settled = 0;
    let refused = 0;
    for (const stranger of strangers) {
      stranger.once("connect", () => settled++);
      stranger.once("error", () => {
        settled++;
        refused++;
      });
    }
    await until(() => settled === strangers.length, "every stranger to connect or be refused");
    expect(refused).toBeGreaterThan(0);
    const host = await connectStdio("v2-legacy", { home: server.home, args: ["--root", tempDir()] });
    try {
      expect((await host.callTool("codex_tool_mode_info")).isError).toBeFalsy();
    } finally {
      await host.close();
      for (const stranger of strangers) stranger.destroy();
      connection.socket.destroy();
    }
  });
});
