/**
 * patchbay's performance bench: cold start, round trip and idle memory, each against a minimal
 * server on the same SDK measured in the same run. Linux only (it reads /proc).
 *
 *   npm run bench                    # 5 rounds, prints the table
 *   npm run bench -- --quick         # a smoke run: 2 rounds, fewer spawns and calls
 *   npm run bench -- --rounds 8 --write   # also rewrites the table in docs/benchmarks.md
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { buildBinaries, repoRoot } from "./binaries.ts";
import { describeMachine } from "./machine.ts";
import { removeTempDirs, tempDir } from "./processes.ts";
import { runRound, type RoundFigures, type RoundPlan } from "./round.ts";
import { renderSection, renderTable, writeSection } from "./table.ts";

const FULL: RoundPlan = { spawns: 20, firstConnectionSpawns: 5, calls: { warmup: 100, calls: 1000 } };
const QUICK: RoundPlan = { spawns: 3, firstConnectionSpawns: 1, calls: { warmup: 20, calls: 200 } };

const { values } = parseArgs({
  options: {
    rounds: { type: "string" },
    quick: { type: "boolean", default: false },
    write: { type: "boolean", default: false },
  },
});
const plan = values.quick ? QUICK : FULL;
const rounds = Number(values.rounds ?? (values.quick ? 2 : 5));
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50) throw new Error(`--rounds must be a whole number from 1 to 50, not ${values.rounds}`);

const began = performance.now();
try {
  process.stderr.write("building patchbay and the baselines…\n");
  const bin = await buildBinaries(tempDir("patchbay-bench-bin-"));
  const figures: RoundFigures[] = [];
  for (let round = 1; round <= rounds; round++) {
    process.stderr.write(`round ${round}/${rounds}…\n`);
    figures.push(await runRound(bin, plan));
  }
  const seconds = Math.round((performance.now() - began) / 1000);
  const summary =
    `Median of ${rounds} rounds; per round: ${plan.spawns} spawns for each cold start, ${plan.firstConnectionSpawns} for the first connection, ` +
    `${plan.calls.calls} calls for each round trip after ${plan.calls.warmup} warm-up calls. The whole run took ${seconds} s.`;
  const section = renderSection(renderTable(figures), describeMachine(), summary);
  process.stdout.write(`${section}\n`);
  if (values.write) {
    writeSection(join(repoRoot, "docs", "benchmarks.md"), section);
    process.stderr.write("wrote docs/benchmarks.md\n");
  }
} finally {
  removeTempDirs();
}
