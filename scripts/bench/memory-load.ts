/**
 * Memory under use (issue 16): VmRSS of `patchbay start` idle, after 50 open MCP sessions (HTTP,
 * each has listed its tools and made one call) and after 1,000 more messages stored (sent by an
 * agent session over HTTP), each read after the server was left alone for a second. Linux only.
 *
 *   bun scripts/bench/memory-load.ts            # prints the table
 *   bun scripts/bench/memory-load.ts --write    # also rewrites the section in docs/benchmarks.md
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { repoRoot } from "./binaries.ts";
import { describeMachine } from "./machine.ts";
import { idleRssMiB } from "./memory.ts";
import { benchEnv, removeTempDirs, run, startListening, tempDir } from "./processes.ts";
import { publishSection } from "./sections.ts";

const { values } = parseArgs({ options: { write: { type: "boolean", default: false } } });
const SESSIONS = 50;
const MESSAGES = 1000;

async function open(url: string, token?: string): Promise<Client> {
  const client = new Client({ name: "bench-memory", version: "1.0.0" }, { capabilities: {} });
  const requestInit = token ? { headers: { Authorization: `Bearer ${token}` } } : undefined;
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit }));
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<void> {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content).slice(0, 300)}`);
}

const began = performance.now();
const clients: Client[] = [];
try {
  const binary = join(tempDir("patchbay-bench-mem-bin-"), "patchbay");
  await run(process.execPath, ["scripts/build.ts", binary], { cwd: repoRoot });
  const home = tempDir("patchbay-bench-mem-home-");
  // One sender makes 1,000 calls in a few seconds: above the default per-token rate limit.
  writeFileSync(join(home, "config.toml"), "[messaging]\nrate_limit_per_minute = 100000000\n");
  const token = (name: string) =>
    (JSON.parse(execFileSync(binary, ["token", "add", "--namespace", "bench", name, "--json"], { env: benchEnv(home), encoding: "utf8" })) as { token: string })
      .token;
  const alice = token("alice");
  token("bob");
  const server = await startListening(
    binary,
    ["start", "--port", "0", "--json"],
    benchEnv(home),
    (printed) => (printed as { setup_guide: { server_url: string } }).setup_guide.server_url,
  );
  try {
    const [idle] = await idleRssMiB([server.pid]);
    for (let i = 0; i < SESSIONS; i++) {
      const client = await open(server.url);
      await client.listTools();
      await call(client, "codex_tool_mode_info");
      clients.push(client);
    }
    const [sessions] = await idleRssMiB([server.pid]);
    const sender = await open(server.url, alice);
    clients.push(sender);
    for (let i = 0; i < MESSAGES; i++) await call(sender, "send_message", { to: "bob", content: `message ${i}: ${"x".repeat(200)}` });
    const [messages] = await idleRssMiB([server.pid]);
    const machine = describeMachine();
    const mib = (value: number) => `${value.toFixed(1)} MiB`;
    const section = [
      `Machine: ${machine.cpus} CPUs (nproc), ${machine.cpuModel}, ${machine.kernel}, Bun ${machine.bun}, fs state driver. ` +
        `One run; the whole run took ${Math.round((performance.now() - began) / 1000)} s.`,
      "",
      "| `patchbay start` (HTTP) | VmRSS | added |",
      "|---|--:|--:|",
      `| idle, before any client | ${mib(idle!)} | — |`,
      `| with ${SESSIONS} open HTTP sessions (each listed its tools and made one call) | ${mib(sessions!)} | ${mib(sessions! - idle!)} |`,
      `| and ${MESSAGES.toLocaleString("en")} more messages stored (one agent session sending, 200-byte bodies) | ${mib(messages!)} | ${mib(messages! - sessions!)} |`,
    ].join("\n");
    publishSection(section, { marker: "bench-memory", script: "scripts/bench/memory-load.ts", write: values.write });
  } finally {
    for (const client of clients) await client.close().catch(() => {});
    await server.stop();
  }
} finally {
  removeTempDirs();
}
