/**
 * Builds of patchbay side by side on issue 16's tool calls, timed as tool-calls-paired.ts times a
 * target against its baseline: each build relayed to a server of its own (or `--standalone`), call
 * for call in a shuffled order, back to back and a call every 5 ms. It answers "what did this
 * change buy": build the old tree and the new one, then
 *
 *   bun scripts/bench/tool-calls-ab.ts /tmp/old/patchbay dist/patchbay
 *   bun scripts/bench/tool-calls-ab.ts OLD NEW OTHER --rounds 5 --only codex_tool_mode_info
 *
 * Each ratio is against the first build: under 1 means faster than it.
 */
import { parseArgs } from "node:util";
import { benchEnv, removeTempDirs, startListening, tempDir } from "./processes.ts";
import { median } from "./stats.ts";
import { type BenchClient, connectStdio } from "./tool-calls/client.ts";
import { TIMED_CALLS } from "./tool-calls/timed-calls.ts";
import { REGIMES, timeTakingTurns } from "./tool-calls/turns.ts";
import { generateRepo } from "./workspace/fixture.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: "string", default: "3" },
    warmup: { type: "string", default: "300" },
    only: { type: "string" },
    standalone: { type: "boolean", default: false },
  },
});
if (positionals.length < 2) throw new Error("name two builds or more: OLD_BINARY NEW_BINARY ...");
const rounds = Number(values.rounds);
const warmup = Number(values.warmup);
const calls = values.only ? TIMED_CALLS.filter((call) => call.name === values.only) : TIMED_CALLS;
if (calls.length === 0) throw new Error(`--only names none of: ${TIMED_CALLS.map((call) => call.name).join(", ")}`);
async function main(): Promise<void> {
  const repo = tempDir("patchbay-bench-ab-repo-");
  generateRepo(repo, 200);
  const sessionArgs = ["--root", repo];
  const servers: Array<{ stop(): Promise<void> }> = [];
  const clients: BenchClient[] = [];
  try {
    for (const binary of positionals) {
      const home = tempDir("patchbay-bench-ab-home-");
      // The server prints its setup guide once it serves; the relay finds it through the home.
      const serving = () => "serving";
      if (!values.standalone) servers.push(await startListening(binary, ["start", "--port", "0", "--json", ...sessionArgs], benchEnv(home), serving));
      const args = values.standalone ? ["stdio", "--standalone", ...sessionArgs] : ["stdio", ...sessionArgs];
      clients.push(await connectStdio({ command: binary, args, env: benchEnv(home) }));
    }
    /** Per call and regime, each round's medians, one per build. */
    const figures = calls.map(() => REGIMES.map(() => [] as number[][]));
    for (let round = 1; round <= rounds; round++) {
      process.stderr.write(`round ${round}/${rounds}…\n`);
      for (const [c, call] of calls.entries())
        for (const [r, regime] of REGIMES.entries())
          figures[c]![r]!.push(
            await timeTakingTurns(
              clients.map((client) => ({ client, call })),
              regime,
              warmup,
            ),
          );
    }
    const names = positionals.map((binary, index) => `${String.fromCharCode(65 + index)}: ${binary}`);
    console.log(names.join("\n"));
    const others = positionals.slice(1).map((_, index) => String.fromCharCode(66 + index));
    console.log(`| Tool call | regime | A | ${others.map((name) => `${name} | ${name} / A`).join(" | ")} |`);
    console.log(`|---|---|--:|${others.map(() => "--:|--:|").join("")}`);
    calls.forEach((call, c) => {
      REGIMES.forEach((regime, r) => {
        const runs = figures[c]![r]!;
        const ms = (index: number) => `${median(runs.map((run) => run[index]!)).toFixed(3)} ms`;
        // Each round's own ratio, then their median: the builds of a round share its load.
        const ratio = (index: number) => `${median(runs.map((run) => run[index]! / run[0]!)).toFixed(2)}×`;
        const cells = others.map((_, index) => `${ms(index + 1)} | ${ratio(index + 1)}`);
        console.log(`| \`${call.name}\` | ${regime.name} | ${ms(0)} | ${cells.join(" | ")} |`);
      });
    });
  } finally {
    for (const client of clients) await client.close().catch(() => {});
    for (const server of servers) await server.stop();
    removeTempDirs();
  }
}

await main();
