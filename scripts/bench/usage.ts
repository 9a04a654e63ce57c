/**
 * The usage ledger at scale (issue #18): `patchbay usage` over 100,000 entries (the compiled
 * binary, a new process each time, as a person runs it), and what one turn pays for the ledger:
 * appending its entry (one O_APPEND write and a datasync), and the budget check before it with
 * budgets set (the ledger parsed once, then only what was appended since).
 *
 *   bun scripts/build.ts && bun scripts/bench/usage.ts                 # 100000 entries over 30 days
 *   bun scripts/bench/usage.ts --entries 200000 --days 60 --rounds 9
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../../src/config/index.ts";
import { dayOf, fsLedger, ledgerDir, openTurnAccount, type UsageEntry } from "../../src/usage/index.ts";
import { repoRoot } from "./binaries.ts";
import { describeMachine } from "./machine.ts";
import { removeTempDirs, tempDir } from "./processes.ts";
import { median } from "./stats.ts";

const { values } = parseArgs({
  options: {
    entries: { type: "string", default: "100000" },
    days: { type: "string", default: "30" },
    rounds: { type: "string", default: "7" },
    appends: { type: "string", default: "500" },
  },
});
const total = Number(values.entries);
const days = Number(values.days);
const rounds = Number(values.rounds);
const appends = Number(values.appends);

const binaryPath = join(repoRoot, "dist", "patchbay");
const MODELS = ["gpt-5", "gpt-5-mini", "claude-sonnet-4-5", "gemini-2.5-pro", "fake-model"];
const AGENTS = ["codex", "codex", "claude", "gemini", "codex"];

/**
 * `spread` sets how many owners a day has: "typical" is a few repositories, workers and runs (the
 * roll-up rows of a day are a few hundred), "worst" gives nearly every turn an owner of its own
 * (a day's rows are as many as its turns).
 */
function entryAt(index: number, at: number, spread: "typical" | "worst"): UsageEntry {
  const pick = index % MODELS.length;
  const owners = spread === "typical" ? { repos: 3, workers: 4, runs: 3 } : { repos: 7, workers: 11, runs: 13 };
  return {
    id: `job_bench${index.toString(36).padStart(12, "0")}`,
    at: new Date(at).toISOString(),
    agent: AGENTS[pick]!,
    model: MODELS[pick]!,
    input_tokens: 1000 + (index % 5000),
    cached_input_tokens: index % 700,
    cache_write_tokens: AGENTS[pick] === "claude" ? index % 300 : 0,
    output_tokens: 100 + (index % 900),
    reasoning_tokens: index % 50,
    ...(pick === 4 ? { cost_source: "none" as const } : { cost_usd: 0.001 + (index % 100) / 10_000, cost_source: "price_table" as const }),
    duration_ms: 1000 + (index % 60_000),
    repo: `/src/repo-${index % owners.repos}`,
    job: `job_bench${index.toString(36).padStart(12, "0")}`,
    ...(index % 3 === 0 && { worker: `w${index % owners.workers}` }),
    ...(index % 5 === 0 && { run: `run_${index % owners.runs}`, phase: "write" }),
    reported: true,
  };
}

/** `total` entries spread evenly over the last `days` days, written as the ledger writes them. */
function fillLedger(home: string, spread: "typical" | "worst"): void {
  const dir = ledgerDir(home);
  mkdirSync(dir, { recursive: true });
  const now = Date.now();
  const span = days * 86_400_000;
  const byDay = new Map<string, string[]>();
  for (let index = 0; index < total; index++) {
    const entry = entryAt(index, now - span + Math.floor((index / total) * span), spread);
    const day = dayOf(entry.at);
    const lines = byDay.get(day) ?? [];
    lines.push(JSON.stringify(entry));
    byDay.set(day, lines);
  }
  for (const [day, lines] of byDay) writeFileSync(join(dir, `${day}.jsonl`), `${lines.join("\n")}\n`);
}

function timeCli(home: string, args: string[]): number {
  const started = performance.now();
  execFileSync(binaryPath, ["usage", "--json", ...args], {
    env: { ...process.env, PATCHBAY_HOME: home },
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 64 << 20,
  });
  return performance.now() - started;
}

const machine = describeMachine();
console.log(`${machine.cpuModel} × ${machine.cpus}, ${machine.kernel}, Bun ${machine.bun}; ${total} entries over ${days} days; median of ${rounds} rounds`);
console.log("| what | median |");
console.log("|---|---|");
const empty = tempDir("patchbay-bench-usage-empty-");
timeCli(empty, []);
console.log(
  `| \`patchbay usage --json\` on an empty ledger (the process alone) | ${median(Array.from({ length: rounds }, () => timeCli(empty, []))).toFixed(0)} ms |`,
);
let home = "";
for (const spread of ["typical", "worst"] as const) {
  home = tempDir(`patchbay-bench-usage-${spread}-`);
  fillLedger(home, spread);
  for (const args of [[], ["--by", "model"], ["--since", "7d", "--by", "day"], ["--repo", "/src/repo-2", "--worker", "w3"]]) {
    timeCli(home, args); // the first run sums each day's rows once and saves them; later runs read those
    const samples = Array.from({ length: rounds }, () => timeCli(home, args));
    console.log(`| \`patchbay usage --json ${args.join(" ")}\`, ${spread} owners (whole process) | ${median(samples).toFixed(0)} ms |`);
  }
}

// One turn's share: its entry appended and synced, into a day file that already holds the day's entries.
const ledger = fsLedger(ledgerDir(home));
const appendSamples: number[] = [];
for (let index = 0; index < appends; index++) {
  const entry = entryAt(total + index, Date.now(), "worst");
  const started = performance.now();
  await ledger.record(entry);
  appendSamples.push(performance.now() - started);
}
console.log(`| recording one entry (write + datasync) | ${(median(appendSamples) * 1000).toFixed(0)} µs |`);

// The budget check before a turn, with every budget set: the first parses the ledger, later ones read only what was appended.
writeFileSync(join(home, "config.toml"), "[budgets.hard]\ndaily_usd = 1000000\nrun_tokens = 1000000000\nworker_tokens = 1000000000\n");
const config = await loadConfig({ home });
const open = async () => {
  const started = performance.now();
  const account = await openTurnAccount({
    ledger,
    config,
    id: `job_check${Math.random()}`,
    agent: "codex",
    repo: "/src/repo-1",
    owner: { worker: "w1", run: "run_1" },
    startedAt: Date.now(),
  });
  return { ms: performance.now() - started, account };
};
const first = await open();
const later: number[] = [];
for (let index = 0; index < rounds; index++) {
  const { ms, account } = await open();
  later.push(ms);
  await account.close({ inputTokens: 10, outputTokens: 1 });
}
console.log(`| budget check before a turn, first (parses the ledger) | ${first.ms.toFixed(0)} ms |`);
console.log(`| budget check before a turn, later (appended entries only, then the roll-up) | ${median(later).toFixed(1)} ms |`);
removeTempDirs();
