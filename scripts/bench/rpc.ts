/**
 * A raw JSON-RPC client over a child's stdin/stdout in the MCP stdio framing (one JSON message
 * per line). No SDK client: its own cost would blur the server's.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { waitForExit } from "./processes.ts";

export const INITIALIZE_PARAMS = {
  protocolVersion: "2025-11-25",
  capabilities: {},
  clientInfo: { name: "patchbay-bench", version: "0" },
};

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

export class StdioRpc {
  private nextId = 1;
  private buffered = "";
  private stderr = "";
  private readonly pending = new Map<number, Pending>();

  private constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (chunk: string) => this.receive(chunk));
    child.stderr!.on("data", (chunk) => (this.stderr += chunk));
    child.once("exit", (code) => this.failAll(new Error(`the server exited (${code}) with requests pending; stderr: ${this.stderr}`)));
  }

  /** Spawns the server; listeners are attached before this returns, so no reply can be missed. */
  static spawn(command: string, args: string[], env: Record<string, string>): StdioRpc {
    return new StdioRpc(spawn(command, args, { env, stdio: ["pipe", "pipe", "pipe"] }));
  }

  request(method: string, params: unknown): Promise<unknown> {
    const id = this.nextId++;
    const reply = new Promise<unknown>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.child.stdin!.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
    return reply;
  }

  notify(method: string): void {
    this.child.stdin!.write(`${JSON.stringify({ jsonrpc: "2.0", method })}\n`);
  }

  /** `initialize` then `notifications/initialized`: the 2025-era opening every host sends. */
  async open(): Promise<void> {
    await this.request("initialize", INITIALIZE_PARAMS);
    this.notify("notifications/initialized");
  }

  /** Kills the server if it still runs after `ms`, so a hung server cannot hang the bench; returns the cancel. */
  watchdog(ms: number): () => void {
    const timer = setTimeout(() => this.child.kill("SIGKILL"), ms);
    return () => clearTimeout(timer);
  }

  /** Closes stdin, which ends an MCP stdio session, and waits for the process to exit. */
  async close(): Promise<number | null> {
    this.child.stdin!.end();
    return waitForExit(this.child);
  }

  private receive(chunk: string): void {
    this.buffered += chunk;
    let newline: number;
    while ((newline = this.buffered.indexOf("\n")) >= 0) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      if (line.trim()) this.settle(JSON.parse(line) as { id?: number; result?: unknown; error?: { message: string } });
    }
  }

  // Server notifications (no id) are not part of any figure and are dropped.
  private settle(message: { id?: number; result?: unknown; error?: { message: string } }): void {
    const waiting = message.id === undefined ? undefined : this.pending.get(message.id);
    if (!waiting) return;
    this.pending.delete(message.id!);
    if (message.error) waiting.reject(new Error(`JSON-RPC error: ${message.error.message}`));
    else waiting.resolve(message.result);
  }

  private failAll(error: Error): void {
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
  }
}
