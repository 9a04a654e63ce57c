/**
 * The tree watch's own costs (issue 16, src/workspace/repo-watch.ts), in process: for trees of
 * several shapes, the first question (the count, then a watch per directory), the inotify watches
 * it holds (the kernel's list, /proc/self/fdinfo), a question on the unchanged tree (the
 * non-blocking read of the queue: p50 and p99 of 2,000), a question after a change made by
 * another process, and the resident memory it added. Linux on Bun only.
 *
 *   bun scripts/bench/watch.ts
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { closeTreeWatches, treeGeneration } from "../../src/workspace/repo-watch.ts";
import { removeTempDirs, tempDir } from "./processes.ts";
import { median, percentile } from "./stats.ts";
import { generateRepo } from "./workspace/fixture.ts";

function inotifyWatchCount(): number {
  let count = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    let target = "";
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue;
    }
    if (target.includes("inotify")) count += (readFileSync(`/proc/self/fdinfo/${fd}`, "utf8").match(/^inotify wd:/gm) ?? []).length;
  }
  return count;
}

/** A node_modules-like tree: `packages` packages of four directories and five files each, committed. */
function packagesRepo(root: string, packages: number): void {
  for (let p = 0; p < packages; p++) {
    for (const dir of ["lib", "dist", "src"]) {
      const at = join(root, "node_modules", `pkg${p}`, dir);
      mkdirSync(at, { recursive: true });
      for (let f = 0; f < 5; f++) writeFileSync(join(at, `f${f}.js`), `module.exports = ${p * 100 + f};\n`);
    }
    writeFileSync(join(root, "node_modules", `pkg${p}`, "package.json"), `{"name":"pkg${p}"}\n`);
  }
  execFileSync("git", ["init", "-q"], { cwd: root });
}

const TREES: Array<[string, (root: string) => void]> = [
  ["1,000 files (bench fixture: 10 dirs)", (root) => generateRepo(root, 1_000)],
  ["5,000 files (fixture: 50 dirs)", (root) => generateRepo(root, 5_000)],
  ["3,200 files in a node_modules-like tree (200 packages, 800 dirs)", (root) => packagesRepo(root, 200)],
  ["20,000 files in node_modules (1,000 packages, 4,000 dirs)", (root) => packagesRepo(root, 1_000)],
  ["100,000 files (fixture)", (root) => generateRepo(root, 100_000)],
];

const rows: string[] = [];
for (const [what, make] of TREES) {
  const root = tempDir("patchbay-watch-bench-");
  make(root);
  Bun.gc(true);
  const rssBefore = process.memoryUsage().rss;
  let started = performance.now();
  const first = await treeGeneration(root);
  const firstMs = performance.now() - started;
  const watches = inotifyWatchCount();
  const samples: number[] = [];
  const changed: number[] = [];
  if (first !== undefined) {
    for (let i = 0; i < 2_000; i++) {
      started = performance.now();
      await treeGeneration(root);
      samples.push((performance.now() - started) * 1000);
    }
    for (let i = 0; i < 50; i++) {
      execFileSync("sh", ["-c", `printf ${i} > "$1"`, "sh", join(root, `changed-${i % 5}.txt`)]);
      started = performance.now();
      await treeGeneration(root);
      changed.push((performance.now() - started) * 1000);
    }
  }
  Bun.gc(true);
  const rss = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
  const us = (value: number) => `${value.toFixed(1)} µs`;
  const figures =
    first === undefined
      ? ["no", `${firstMs.toFixed(0)} ms`, watches, "—", "—", "—"]
      : ["yes", `${firstMs.toFixed(0)} ms`, watches, `${us(median(samples))} / ${us(percentile(samples, 99))}`, us(median(changed)), `${rss.toFixed(1)} MB`];
  rows.push(`| ${what} | ${figures.join(" | ")} |`);
  closeTreeWatches();
}
removeTempDirs();
console.log(`load average ${loadavg()[0]!.toFixed(1)}\n`);
console.log("| tree | watched | first question | inotify watches | question, unchanged: p50 / p99 | question after a change | RSS |");
console.log("|---|---|--:|--:|--:|--:|--:|");
for (const row of rows) console.log(row);
