/**
 * writeInside latency before and after the race-free write (issue #11, finding 4): the same
 * overwrite of a small file at depth 1 and depth 6, with the code of `--before` (extracted with
 * git archive) against the working tree's, in alternating rounds. Prints medians and the ratio.
 *
 *   bun scripts/bench/write-latency.ts                       # 15 rounds of 200 writes each
 *   bun scripts/bench/write-latency.ts --before <rev> --rounds 31
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { repoRoot } from "./binaries.ts";
import { describeMachine } from "./machine.ts";
import { removeTempDirs, tempDir } from "./processes.ts";
import { median } from "./stats.ts";

type WriteInside = (root: string, absolute: string, content: string) => Promise<void>;

const { values } = parseArgs({
  // The parent of the commit that made writes race-free: the path-based writeInside.
  options: { before: { type: "string", default: "5ce42b2~1" }, rounds: { type: "string", default: "15" }, writes: { type: "string", default: "200" } },
});
const rounds = Number(values.rounds);
const writes = Number(values.writes);

/** The `--before` revision's guarded-fs, importable: its src beside our node_modules. */
async function loadBefore(rev: string): Promise<WriteInside> {
  const dir = tempDir("patchbay-bench-before-");
  execFileSync("sh", ["-c", `git -C "${repoRoot}" archive "${rev}" src package.json | tar -x -C "${dir}"`]);
  symlinkSync(join(repoRoot, "node_modules"), join(dir, "node_modules"));
  return (await import(join(dir, "src/workspace/guarded-fs.ts"))).writeInside;
}

/** Microseconds per write, for `writes` overwrites of `file` under `root`. */
async function timeWrites(writeInside: WriteInside, root: string, file: string): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < writes; index++) await writeInside(root, file, `line ${index}\n`);
  return ((performance.now() - started) * 1000) / writes;
}

const before = await loadBefore(values.before!);
const { writeInside: after } = await import("../../src/workspace/guarded-fs.ts");
const root = tempDir("patchbay-bench-writes-");
const deep = join(root, "a", "b", "c", "d", "e");
mkdirSync(deep, { recursive: true });
const cases = [
  { depth: 1, file: join(root, "file.txt") },
  { depth: 6, file: join(deep, "file.txt") },
];

const machine = describeMachine();
console.log(`${machine.cpuModel} × ${machine.cpus}, ${machine.kernel}, Bun ${machine.bun}; ${rounds} rounds × ${writes} writes; before = ${values.before}`);
console.log("| depth | before (µs/write) | after (µs/write) | after / before |");
console.log("|---|---|---|---|");
for (const { depth, file } of cases) {
  await timeWrites(before, root, file);
  await timeWrites(after, root, file);
  const samples = { before: [] as number[], after: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    samples.before.push(await timeWrites(before, root, file));
    samples.after.push(await timeWrites(after, root, file));
  }
  const [b, a] = [median(samples.before), median(samples.after)];
  console.log(`| ${depth} | ${b.toFixed(1)} | ${a.toFixed(1)} | ${(a / b).toFixed(2)}× |`);
}
removeTempDirs();
