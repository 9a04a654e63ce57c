/**
 * Issue 16's tool-call targets measured in pairs: each patchbay row against its own baseline, call
 * for call, with nothing else running. The interleaved bench (tool-calls.ts) times every row and
 * baseline in one run, so patchbay's shared server answers a dozen series while each baseline
 * process answers one; a process called that much more often stays hot, and the baselines looked
 * slower than they are (a second instance of the minimal SDK server serving three series measured
 * 0.69–0.87× of the one serving one). Here a pair's two processes serve only that pair.
 *
 * Two regimes per pair: back to back (the next call as soon as the answer is in), and a call every
 * 5 ms, which lets both processes go idle between calls as a host does between model turns. Beside
 * them, the SDK floor in the same pairs: the minimal SDK server returning `codex_read_file`'s and
 * `codex_tool_mode_info`'s answers (captured from patchbay) from a tool that does nothing else,
 * against its own trivial tool: what the answer alone costs on the SDK, over stdio and over HTTP.
 * Over HTTP patchbay's call is also held against that floor directly: what patchbay adds to the
 * SDK's own cost of the same answer on the same transport.
 *
 *   bun scripts/bench/tool-calls-paired.ts             # 3 rounds, prints the table (about 4 minutes)
 *   bun scripts/bench/tool-calls-paired.ts --rounds 5 --write
 *   bun scripts/bench/tool-calls-paired.ts --rounds 1 --warmup 10000   # a server whose JIT has settled
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { benchEnv, type ListeningServer, startListening, tempDir } from "./processes.ts";
import { median } from "./stats.ts";
import { captureStdio } from "./tool-calls/canned-answers.ts";
import { connectHttp, connectStdio, type ToolCall } from "./tool-calls/client.ts";
import { publishPairingRun, startPairing } from "./tool-calls/pairing.ts";
import { TIMED_CALLS, TRIVIAL } from "./tool-calls/timed-calls.ts";
import { REGIMES, type Regime, type Side, timeTakingTurns } from "./tool-calls/turns.ts";

const { values } = parseArgs({ options: { rounds: { type: "string" }, warmup: { type: "string" }, write: { type: "boolean", default: false } } });
const rounds = Number(values.rounds ?? 3);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) throw new Error(`--rounds must be a whole number from 1 to 20, not ${values.rounds}`);

/** Calls on each side before a pair is timed, every round: JavaScriptCore keeps optimizing patchbay's code for about 10,000 calls. */
const WARMUP = Number(values.warmup ?? 300);
if (!Number.isInteger(WARMUP) || WARMUP < 0) throw new Error(`--warmup must be a whole number of calls, not ${values.warmup}`);
/** The answers the SDK floor returns: the largest of the timed tools and the most common one. */
const FLOOR_TOOLS = TIMED_CALLS.filter((call) => call.name === TRIVIAL || call.name === "codex_read_file");
const INFO: ToolCall = { name: "info", args: {} };

interface Pair {
  tool: string;
  channel: string;
  baseline: string;
  /** The target on the ratio, or, for `difference`, on patchbay minus the other side in ms. */
  target?: { at: number; difference?: boolean };
  ours: Side;
  theirs: Side;
}

/** Medians of the two sides (patchbay's first) in `regime`, the two in a coin-flipped order each time. */
async function timePair(pair: Pair, regime: Regime): Promise<[number, number]> {
  const [ours, theirs] = await timeTakingTurns([pair.ours, pair.theirs], regime, WARMUP);
  return [ours!, theirs!];
}

async function main(): Promise<string> {
  const setup = await startPairing("paired");
  const { patchbay, sdkMinimal, binDir, repo, server, open } = setup;
  const sessionArgs = ["--root", repo];
  let sdkHttp: ListeningServer | undefined;
  let sdkHttpFloor: ListeningServer | undefined;
  try {
    sdkHttp = await startListening(sdkMinimal, ["http"], benchEnv(), (printed) => (printed as { url: string }).url);
    const relay = await setup.relay();
    const standalone = await open(
      connectStdio({ command: patchbay, args: ["stdio", "--standalone", ...sessionArgs], env: benchEnv(tempDir("patchbay-bench-paired-standalone-")) }),
    );
    const http = await open(connectHttp(server.url));
    const referenceRead = await setup.referenceRead();
    const sdkStdioInfo: Side = { client: await open(connectStdio({ command: sdkMinimal, args: ["stdio"], env: benchEnv() })), call: INFO };
    const sdkHttpInfo: Side = { client: await open(connectHttp(sdkHttp.url)), call: INFO };
    // patchbay's answers, captured from a standalone of its own so the timed sessions see none of it.
    const capture = { command: patchbay, args: ["stdio", "--standalone", ...sessionArgs], env: benchEnv(tempDir("patchbay-bench-paired-capture-")) };
    const answers = join(binDir, "answers.json");
    writeFileSync(
      answers,
      JSON.stringify(
        await captureStdio(
          capture,
          FLOOR_TOOLS.map((call) => ({ as: call.name, call })),
        ),
      ),
    );
    const sdkFloor = await open(connectStdio({ command: sdkMinimal, args: ["stdio", answers], env: benchEnv() }));
    sdkHttpFloor = await startListening(sdkMinimal, ["http", answers], benchEnv(), (printed) => (printed as { url: string }).url);
    const sdkHttpFloorClient = await open(connectHttp(sdkHttpFloor.url));

    const pairs: Pair[] = TIMED_CALLS.flatMap((call) => {
      const trivial = call.name === TRIVIAL;
      const stdio: Pair = {
        tool: call.name,
        channel: "stdio (relay)",
        baseline: trivial ? "minimal SDK `info`, stdio" : "reference `read_text_file`, stdio",
        target: { at: trivial ? 1.3 : 0.6 },
        ours: { client: relay, call },
        theirs: trivial ? sdkStdioInfo : referenceRead,
      };
      const overHttp: Pair = {
        tool: call.name,
        channel: "HTTP keep-alive",
        baseline: "minimal SDK `info`, HTTP",
        target: trivial ? undefined : { at: 0.6 },
        ours: { client: http, call },
        theirs: sdkHttpInfo,
      };
      const overhead: Pair = {
        tool: call.name,
        channel: "relay overhead (relay − standalone)",
        baseline: "the same call, `stdio --standalone`",
        target: { at: 0.1, difference: true },
        ours: { client: relay, call },
        theirs: { client: standalone, call },
      };
      return [stdio, overHttp, overhead];
    });
    for (const call of FLOOR_TOOLS) {
      const floorCall = { name: call.name, args: {} };
      pairs.push(
        {
          tool: call.name,
          channel: "SDK floor, stdio: the minimal SDK server returning this answer",
          baseline: "minimal SDK `info`, stdio",
          ours: { client: sdkFloor, call: floorCall },
          theirs: sdkStdioInfo,
        },
        {
          tool: call.name,
          channel: "SDK floor, HTTP: the minimal SDK server returning this answer",
          baseline: "minimal SDK `info`, HTTP",
          ours: { client: sdkHttpFloorClient, call: floorCall },
          theirs: sdkHttpInfo,
        },
        {
          tool: call.name,
          channel: "HTTP keep-alive, against the SDK's floor for this answer",
          baseline: "the minimal SDK server returning this answer, HTTP",
          ours: { client: http, call },
          theirs: { client: sdkHttpFloorClient, call: floorCall },
        },
      );
    }

    const figures = pairs.map(() => REGIMES.map(() => [] as Array<[number, number]>));
    for (let round = 1; round <= rounds; round++) {
      process.stderr.write(`round ${round}/${rounds}…\n`);
      for (const [p, pair] of pairs.entries()) for (const [r, regime] of REGIMES.entries()) figures[p]![r]!.push(await timePair(pair, regime));
    }
    return renderTable(pairs, figures);
  } finally {
    await setup.close();
    await sdkHttp?.stop();
    await sdkHttpFloor?.stop();
  }
}

function renderTable(pairs: Pair[], figures: Array<Array<Array<[number, number]>>>): string {
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  const lines = [
    "| Tool call (SDK client) | channel | regime | median | baseline | baseline median | ratio (or difference) | target | met |",
    "|---|---|---|--:|---|--:|--:|---|---|",
  ];
  pairs.forEach((pair, p) => {
    REGIMES.forEach((regime, r) => {
      const runs = figures[p]![r]!;
      const ours = median(runs.map(([a]) => a));
      const theirs = median(runs.map(([, b]) => b));
      const difference = pair.target?.difference === true;
      // Each round's own ratio (or difference), then their median: the two sides of a round share its load.
      const measure = median(runs.map(([a, b]) => (difference ? a - b : a / b)));
      const shown = difference ? ms(measure) : `${measure.toFixed(2)}×`;
      const target = pair.target ? (difference ? `< ${pair.target.at.toFixed(2)} ms` : `≤ ${pair.target.at}×`) : "—";
      const met = !pair.target ? "info" : measure <= pair.target.at ? "yes" : "**no**";
      lines.push(`| \`${pair.tool}\` | ${pair.channel} | ${regime.name} | ${ms(ours)} | ${pair.baseline} | ${ms(theirs)} | ${shown} | ${target} | ${met} |`);
    });
  });
  return lines.join("\n");
}

await publishPairingRun({
  marker: "bench-tool-calls-paired",
  script: "scripts/bench/tool-calls-paired.ts",
  write: values.write,
  main,
  how: () =>
    `Median of ${rounds} rounds; per round and per pair and regime: ${WARMUP} warm-up calls on each side, then ` +
    `${REGIMES.map((regime) => `${regime.calls} calls each ${regime.name}`).join(" and ")}, the two sides in a coin-flipped order each time, ` +
    "on a generated repository of 200 files.",
});
