/**
 * Real tool calls timed with the SDK's own client, as hosts make them: patchbay's everyday
 * read-only tools over stdio (relayed to a running server, and --standalone) and HTTP keep-alive,
 * against, in the same run, the reference filesystem server's `read_text_file`
 * (@modelcontextprotocol/server-filesystem, Node, stdio only: it has no HTTP mode) and the minimal
 * SDK server's trivial tool. Targets are issue 16's. Also in the same turns: the relay hop by answer
 * size (tool-calls/hop.ts) and the floors, canned servers that answer with byte-identical copies of
 * the trivial tool's and patchbay's answers and no MCP code (tool-calls/floors.ts).
 *
 *   bun scripts/bench/tool-calls.ts                  # 3 rounds, prints the table (about a minute)
 *   bun scripts/bench/tool-calls.ts --quick          # 1 round, fewer calls
 *   bun scripts/bench/tool-calls.ts --rounds 5 --write
 *   bun scripts/bench/tool-calls.ts --only codex_read_file   # one tool (repeatable), for before/after of one change
 */
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildBinaries, compileBaseline } from "./binaries.ts";
import type { Launch } from "./cold-start.ts";
import { describeMachine } from "./machine.ts";
import { benchEnv, removeTempDirs, startListening, tempDir, type ListeningServer } from "./processes.ts";
import { publishSection } from "./sections.ts";
import { median } from "./stats.ts";
import { captureStdio, lineBytes } from "./tool-calls/canned-answers.ts";
import { type BenchClient, connectHttp, connectStdio, type Latency, type Series, timeInterleaved } from "./tool-calls/client.ts";
import { type Floor, startFloors } from "./tool-calls/floors.ts";
import { type HopCall, type HopFigures, renderHopTable, writeHopFiles } from "./tool-calls/hop.ts";
import { TIMED_CALLS, TIMED_FILE, TRIVIAL } from "./tool-calls/timed-calls.ts";
import { generateRepo } from "./workspace/fixture.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string" },
    quick: { type: "boolean", default: false },
    write: { type: "boolean", default: false },
    only: { type: "string", multiple: true },
  },
});
const rounds = Number(values.rounds ?? (values.quick ? 1 : 3));
const counts = values.quick ? { warmup: 20, calls: 100 } : { warmup: 50, calls: 300 };
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) throw new Error(`--rounds must be a whole number from 1 to 20, not ${values.rounds}`);

const unknown = (values.only ?? []).filter((name) => !TIMED_CALLS.some((call) => call.name === name));
if (unknown.length > 0) throw new Error(`--only takes ${TIMED_CALLS.map((call) => call.name).join(", ")}; not ${unknown.join(", ")}`);
if (values.only && values.write) throw new Error("--write records every tool: drop --only");
const PATCHBAY_TOOLS = values.only ? TIMED_CALLS.filter((call) => values.only?.includes(call.name)) : TIMED_CALLS;
const CHANNELS = ["relay", "standalone", "http"] as const;
type Channel = (typeof CHANNELS)[number];

interface RoundFigures {
  patchbay: Record<Channel, Record<string, Latency>>;
  reference: Latency;
  sdkStdio: Latency;
  sdkHttp: Latency;
  floors: Array<Omit<Floor, "series"> & Latency>;
  hop: HopFigures[];
}

const referenceServer = createRequire(import.meta.url).resolve("@modelcontextprotocol/server-filesystem/dist/index.js");

async function runRound(bin: { patchbay: string; sdkMinimal: string; canned: string }, repo: string, hopCalls: HopCall[]): Promise<RoundFigures> {
  const serverHome = tempDir("patchbay-bench-server-");
  // The default tool mode, as `patchbay mcp install` registers it: every tool timed here is in it.
  const sessionArgs = ["--root", repo];
  const relay: Launch = { command: bin.patchbay, args: ["stdio", ...sessionArgs], env: benchEnv(serverHome) };
  const standalone: Launch = { command: bin.patchbay, args: ["stdio", "--standalone", ...sessionArgs], env: benchEnv(tempDir("patchbay-bench-standalone-")) };
  const started: ListeningServer[] = [];
  const clients: BenchClient[] = [];
  const stops: Array<() => Promise<void>> = [];
  const open = async (connecting: Promise<BenchClient>) => {
    const client = await connecting;
    clients.push(client);
    return client;
  };
  try {
    const server = await startListening(
      bin.patchbay,
      ["start", "--port", "0", "--json", ...sessionArgs],
      benchEnv(serverHome),
      (printed) => (printed as { setup_guide: { server_url: string } }).setup_guide.server_url,
    );
    started.push(server);
    const sdkHttp = await startListening(bin.sdkMinimal, ["http"], benchEnv(), (printed) => (printed as { url: string }).url);
    started.push(sdkHttp);
    const channels: Record<Channel, BenchClient> = {
      relay: await open(connectStdio(relay)),
      standalone: await open(connectStdio(standalone)),
      http: await open(connectHttp(server.url)),
    };
    const sdkStdioLaunch: Launch = { command: bin.sdkMinimal, args: ["stdio"], env: benchEnv() };
    // Answers captured from a standalone of its own, so the bench's sessions see none of it.
    const capture: Launch = { ...standalone, env: benchEnv(tempDir("patchbay-bench-capture-")) };
    const floorCalls = TIMED_CALLS.filter((call) => call.name === TRIVIAL || call.name === "codex_read_file");
    const { floors, stop: stopFloors } = await startFloors(
      bin,
      { sdkMinimal: { stdio: sdkStdioLaunch, httpUrl: sdkHttp.url }, patchbay: { stdio: capture, httpUrl: server.url } },
      floorCalls,
    );
    stops.push(stopFloors);
    const hopAnswers = await captureStdio(
      capture,
      hopCalls.map(({ label, call }) => ({ as: label, call })),
    );
    const referenceLaunch: Launch = { command: "node", args: [referenceServer, repo], env: benchEnv() };
    const baselines: Series[] = [
      { client: await open(connectStdio(referenceLaunch)), call: { name: "read_text_file", args: { path: join(repo, TIMED_FILE) } } },
      { client: await open(connectStdio(sdkStdioLaunch)), call: { name: "info", args: {} } },
      { client: await open(connectHttp(sdkHttp.url)), call: { name: "info", args: {} } },
    ];
    const ours = PATCHBAY_TOOLS.flatMap((call) => CHANNELS.map((channel) => ({ channel, series: { client: channels[channel], call } })));
    const hops = hopCalls.flatMap(({ call }) => [channels.relay, channels.standalone].map((client) => ({ client, call })));
    const figures = await timeInterleaved([...ours.map((entry) => entry.series), ...baselines, ...floors.map((floor) => floor.series), ...hops], counts);
    const patchbay: RoundFigures["patchbay"] = { relay: {}, standalone: {}, http: {} };
    ours.forEach(({ channel, series }, index) => {
      patchbay[channel][series.call.name] = figures[index]!;
    });
    const [reference, sdkStdio, sdkOverHttp] = figures.slice(ours.length);
    const floorFigures = figures.slice(ours.length + baselines.length, ours.length + baselines.length + floors.length);
    const hopFigures = figures.slice(ours.length + baselines.length + floors.length);
    return {
      patchbay,
      reference: reference!,
      sdkStdio: sdkStdio!,
      sdkHttp: sdkOverHttp!,
      floors: floors.map(({ series: _, ...floor }, index) => ({ ...floor, ...floorFigures[index]! })),
      hop: hopCalls.map(({ label }, index) => ({
        label,
        bytes: lineBytes(hopAnswers[label]!),
        relay: hopFigures[2 * index]!.median,
        standalone: hopFigures[2 * index + 1]!.median,
        hop: hopFigures[2 * index]!.median - hopFigures[2 * index + 1]!.median,
      })),
    };
  } finally {
    for (const stop of stops) await stop();
    for (const client of clients) await client.close();
    for (const server of started) await server.stop();
  }
}

const ms = (value: number) => `${value.toFixed(2)} ms`;

function renderTable(figures: RoundFigures[]): string {
  const med = (pick: (round: RoundFigures) => number) => median(figures.map(pick));
  const reference = med((r) => r.reference.median);
  const sdkStdio = med((r) => r.sdkStdio.median);
  const sdkHttp = med((r) => r.sdkHttp.median);
  const lines = [
    "| Tool call (SDK client) | channel | patchbay median | p99 | baseline | baseline median | ratio | target | met |",
    "|---|---|--:|--:|---|--:|--:|---|---|",
  ];
  const row = (tool: string, channel: string, value: number, p99: number, baseline: string, base: number, limit?: number) => {
    const ratio = value / base;
    const met = limit === undefined ? "info" : ratio <= limit ? "yes" : "**no**";
    lines.push(
      `| \`${tool}\` | ${channel} | ${ms(value)} | ${ms(p99)} | ${baseline} | ${ms(base)} | ${ratio.toFixed(2)}× | ${limit ? `≤ ${limit}×` : "—"} | ${met} |`,
    );
  };
  for (const { name } of PATCHBAY_TOOLS) {
    const at = (channel: Channel) => ({ median: med((r) => r.patchbay[channel][name]!.median), p99: med((r) => r.patchbay[channel][name]!.p99) });
    const trivial = name === TRIVIAL;
    const [baseline, base, limit] = trivial
      ? (["minimal SDK `info`, stdio", sdkStdio, 1.3] as const)
      : (["reference `read_text_file`, stdio", reference, 0.6] as const);
    const relay = at("relay");
    const standalone = at("standalone");
    const http = at("http");
    row(name, "stdio (relay)", relay.median, relay.p99, baseline, base, limit);
    row(name, "stdio --standalone", standalone.median, standalone.p99, baseline, base);
    // The reference server has no HTTP mode, so the minimal SDK server is the only HTTP yardstick.
    row(name, "HTTP keep-alive", http.median, http.p99, "minimal SDK `info`, HTTP", sdkHttp, trivial ? undefined : 0.6);
    const overhead = med((r) => r.patchbay.relay[name]!.median - r.patchbay.standalone[name]!.median);
    lines.push(`| \`${name}\` | relay overhead (relay − standalone) | ${ms(overhead)} | — | — | — | — | < 0.10 ms | ${overhead < 0.1 ? "yes" : "**no**"} |`);
  }
  // Floors: what the same client and transport cost for each answer from a server with no MCP code.
  figures[0]!.floors.forEach(({ tool, server, channel, bytes }, index) => {
    const median = med((r) => r.floors[index]!.median);
    const p99 = med((r) => r.floors[index]!.p99);
    const [baseline, base] = channel === "stdio" ? ["minimal SDK `info`, stdio", sdkStdio] : ["minimal SDK `info`, HTTP", sdkHttp];
    const ratio = (median / base).toFixed(2);
    const label = channel === "stdio" ? "stdio" : "HTTP keep-alive";
    const json = server === "sdk-json";
    const what =
      server === "canned"
        ? `canned \`${tool}\` answer, no MCP code`
        : tool === "info"
          ? `minimal SDK \`info\` again, on the ${json ? "JSON-body floor's instance (`enableJsonResponse`)" : "SDK floor's instance"}`
          : `minimal SDK server returning \`${tool}\`'s answer${json ? " as one JSON body (`enableJsonResponse`)" : ""}`;
    lines.push(`| floor: ${what} (${bytes} B) | ${label} | ${ms(median)} | ${ms(p99)} | ${baseline} | ${ms(base)} | ${ratio}× | — | floor |`);
  });
  return lines.join("\n");
}

function hopRows(figures: RoundFigures[]): HopFigures[] {
  return figures[0]!.hop.map(({ label, bytes }, index) => ({
    label,
    bytes,
    relay: median(figures.map((r) => r.hop[index]!.relay)),
    standalone: median(figures.map((r) => r.hop[index]!.standalone)),
    hop: median(figures.map((r) => r.hop[index]!.relay - r.hop[index]!.standalone)),
  }));
}

const began = performance.now();
try {
  process.stderr.write("building patchbay and the baselines…\n");
  const binDir = tempDir("patchbay-bench-bin-");
  const bin = { ...(await buildBinaries(binDir)), canned: await compileBaseline("canned.ts", join(binDir, "canned")) };
  const repo = tempDir("patchbay-bench-repo-");
  generateRepo(repo, 200);
  const hopCalls = writeHopFiles(repo);
  const figures: RoundFigures[] = [];
  for (let round = 1; round <= rounds; round++) {
    process.stderr.write(`round ${round}/${rounds}…\n`);
    figures.push(await runRound(bin, repo, hopCalls));
  }
  const machine = describeMachine();
  const seconds = Math.round((performance.now() - began) / 1000);
  const section = [
    `Machine: ${machine.cpus} CPUs (nproc), ${machine.cpuModel}, ${machine.kernel}, Bun ${machine.bun}, ` +
      `Node ${execFileSync("node", ["--version"], { encoding: "utf8" }).trim()} for the reference server.`,
    `Median of ${rounds} rounds; per round and per tool and channel: ${counts.calls} sequential calls after ${counts.warmup} warm-up calls, ` +
      "taking turns with every other row and baseline in slices of a tenth, in a new order each slice (so load falls on all alike), " +
      `on a generated repository of 200 files. The whole run took ${seconds} s.`,
    "",
    renderTable(figures),
    "",
    "Relay hop by answer size (`codex_read_file` of files sized for it, relayed and standalone taking turns with the rows above; the hop is the median of the rounds' differences):",
    "",
    renderHopTable(hopRows(figures)),
  ].join("\n");
  publishSection(section, { marker: "bench-tool-calls", script: "scripts/bench/tool-calls.ts", write: values.write });
} finally {
  removeTempDirs();
}
