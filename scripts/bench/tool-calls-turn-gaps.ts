/**
 * Issue 16's tool calls with the pauses a host really leaves between them. A host calls a tool,
 * hands the answer to its model and calls again when the model asks, a second or more later; the
 * paired bench (tool-calls-paired.ts) times calls back to back and a call every 5 ms. Here each
 * target is timed against its baseline as there, call for call in a coin-flipped order, with a
 * pause of 100 ms and of a second before every call: patchbay relayed, the reference filesystem
 * server's `read_text_file`, the minimal SDK server's `info` for `codex_tool_mode_info`.
 *
 *   bun scripts/bench/tool-calls-turn-gaps.ts             # 2 rounds, prints the table (about 8 minutes)
 *   bun scripts/bench/tool-calls-turn-gaps.ts --rounds 3 --write
 */
import { parseArgs } from "node:util";
import { benchEnv } from "./processes.ts";
import { median } from "./stats.ts";
import { connectStdio } from "./tool-calls/client.ts";
import { publishPairingRun, startPairing } from "./tool-calls/pairing.ts";
import { TIMED_CALLS, TRIVIAL } from "./tool-calls/timed-calls.ts";
import { type Regime, type Side, timeTakingTurns } from "./tool-calls/turns.ts";

const { values } = parseArgs({ options: { rounds: { type: "string" }, write: { type: "boolean", default: false } } });
const rounds = Number(values.rounds ?? 2);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 10) throw new Error(`--rounds must be a whole number from 1 to 10, not ${values.rounds}`);
/** Warm-up calls on each side of a pair, once, before its first timed call. */
const WARMUP = 300;
const GAPS: readonly Regime[] = [
  { name: "a call every 100 ms", gapMs: 100, calls: 40 },
  { name: "a call every second", gapMs: 1000, calls: 15 },
];

async function main(): Promise<string> {
  const setup = await startPairing("gaps");
  try {
    const relay = await setup.relay();
    const referenceRead = await setup.referenceRead();
    const sdkInfo: Side = {
      client: await setup.open(connectStdio({ command: setup.sdkMinimal, args: ["stdio"], env: benchEnv() })),
      call: { name: "info", args: {} },
    };
    const pairs = TIMED_CALLS.map((call) => ({ call, baseline: call.name === TRIVIAL ? sdkInfo : referenceRead }));
    /** Per pair and regime, each round's [patchbay, baseline] medians. */
    const figures = pairs.map(() => GAPS.map(() => [] as number[][]));
    for (let round = 1; round <= rounds; round++) {
      for (const [p, pair] of pairs.entries())
        for (const [g, regime] of GAPS.entries()) {
          process.stderr.write(`round ${round}/${rounds}, ${pair.call.name}, ${regime.name}…\n`);
          figures[p]![g]!.push(await timeTakingTurns([{ client: relay, call: pair.call }, pair.baseline], regime, round === 1 && g === 0 ? WARMUP : 0));
        }
    }
    const lines = ["| Tool call (SDK client, relayed) | regime | median | baseline | baseline median | ratio |", "|---|---|--:|---|--:|--:|"];
    pairs.forEach(({ call }, p) => {
      const baseline = call.name === TRIVIAL ? "minimal SDK `info`" : "reference `read_text_file`";
      GAPS.forEach((regime, g) => {
        const runs = figures[p]![g]!;
        const [ours, theirs] = [median(runs.map(([a]) => a!)), median(runs.map(([, b]) => b!))];
        const ratio = median(runs.map(([a, b]) => a! / b!));
        lines.push(`| \`${call.name}\` | ${regime.name} | ${ours.toFixed(2)} ms | ${baseline} | ${theirs.toFixed(2)} ms | ${ratio.toFixed(2)}× |`);
      });
    });
    return lines.join("\n");
  } finally {
    await setup.close();
  }
}

await publishPairingRun({
  marker: "bench-tool-calls-turn-gaps",
  script: "scripts/bench/tool-calls-turn-gaps.ts",
  write: values.write,
  main,
  how: () =>
    `Median of ${rounds} rounds; per round and pair, ${GAPS.map((regime) => `${regime.calls} calls each ${regime.name}`).join(" and ")} ` +
    `(${WARMUP} warm-up calls on each side before a pair's first), the two sides in a coin-flipped order each time, ` +
    "on a generated repository of 200 files.",
});
