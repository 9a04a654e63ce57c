/**
 * The workspace bench: codex_search_repo against `git grep` (the same literal, the same regex) and
 * codex_repo_tree against `git ls-files`, on a generated git repository, in-process through the
 * tool registry. Target: search within 1.5× of git grep.
 *
 *   bun scripts/bench/workspace.ts                     # 20,000 files, 21 runs, prints the table
 *   bun scripts/bench/workspace.ts --runs 41 --write   # also rewrites the section in docs/benchmarks.md
 */
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { grepArgs } from "../../src/workspace/search.ts";
import { gitExcludes } from "../../src/workspace/tree.ts";
import { repoRoot } from "./binaries.ts";
import { describeMachine } from "./machine.ts";
import { removeTempDirs, tempDir } from "./processes.ts";
import { median } from "./stats.ts";
import { fileToolCaller, type ToolCaller } from "./workspace/caller.ts";
import { generateRepo, RARE_LITERAL, RARE_REGEX } from "./workspace/fixture.ts";

interface Pair {
  measure: string;
  /** The git command line the tool is compared with, run as a person at a shell would. */
  git: string[];
  /** How the table names `git` when the command line is too long to show. */
  label?: string;
  target?: number;
  /** Runs the tool; resolves with the number of results (checked against git's output lines when `sameCount`). */
  patchbay: () => Promise<number>;
  sameCount?: boolean;
}

const { values } = parseArgs({
  options: { runs: { type: "string", default: "21" }, files: { type: "string", default: "20000" }, write: { type: "boolean", default: false } },
});
const runs = Number(values.runs);
const files = Number(values.files);
if (!Number.isInteger(runs) || runs < 3 || runs > 500) throw new Error(`--runs must be a whole number from 3 to 500, not ${values.runs}`);
if (!Number.isInteger(files) || files < 100 || files > 200_000) throw new Error(`--files must be a whole number from 100 to 200000, not ${values.files}`);

/** Runs git to completion like a person at a shell would, and counts its output lines. */
function gitLines(cwd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, { cwd, stdio: ["ignore", "pipe", "inherit"] });
    let lines = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      for (const byte of chunk) if (byte === 10) lines++;
    });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(lines) : reject(new Error(`git ${args.join(" ")} exited ${code}`))));
  });
}

/** The exact git grep patchbay runs for a literal, to show how much of the time is git's own. */
function patchbayGrep(blockedGlobs: readonly string[]): string[] {
  return grepArgs("git", "-F", RARE_LITERAL, gitExcludes(blockedGlobs, "", false));
}

function pairs(tools: ToolCaller): Pair[] {
  const matches = async (args: Record<string, unknown>) =>
    ((await tools.call("codex_search_repo", { ...args, max_results: 1000 })).matches as unknown[]).length;
  const entries = async (args: Record<string, unknown>) => ((await tools.call("codex_repo_tree", args)).entries as unknown[]).length;
  return [
    {
      measure: `Search, literal \`${RARE_LITERAL}\``,
      git: ["grep", "-n", "-F", "-e", RARE_LITERAL],
      target: 1.5,
      sameCount: true,
      patchbay: () => matches({ query: RARE_LITERAL }),
    },
    {
      measure: `Search, literal \`${RARE_LITERAL}\``,
      git: patchbayGrep(tools.blockedGlobs),
      label: "`git grep` as patchbay runs it (`--untracked`, exclude pathspecs)",
      sameCount: true,
      patchbay: () => matches({ query: RARE_LITERAL }),
    },
    {
      measure: `Search, regex \`${RARE_REGEX}\``,
      git: ["grep", "-n", "-P", "-e", RARE_REGEX],
      target: 1.5,
      sameCount: true,
      patchbay: () => matches({ query: RARE_REGEX, regex: true }),
    },
    { measure: "Tree, 5,000 entries (depth 10)", git: ["ls-files"], patchbay: () => entries({ max_depth: 10, max_entries: 5000 }) },
    {
      measure: "Tree, 5,000 entries (depth 10)",
      git: ["ls-files", "--cached", "--others", "--exclude-standard"],
      patchbay: () => entries({ max_depth: 10, max_entries: 5000 }),
    },
    { measure: "Tree, default call (500 entries, depth 4)", git: ["ls-files"], patchbay: () => entries({}) },
  ];
}

/** Median milliseconds of each side, alternating them run by run so noise on the box hits both alike. */
async function measure(repo: string, pair: Pair, warmups: number): Promise<{ patchbay: number; git: number }> {
  const sides = { patchbay: pair.patchbay, git: () => gitLines(repo, pair.git) };
  const times = { patchbay: [] as number[], git: [] as number[] };
  for (let run = 0; run < warmups + runs; run++) {
    for (const side of ["patchbay", "git"] as const) {
      const began = performance.now();
      await sides[side]();
      if (run >= warmups) times[side].push(performance.now() - began);
    }
  }
  return { patchbay: median(times.patchbay), git: median(times.git) };
}

function renderSection(rows: string[], seconds: number, gitVersion: string): string {
  const machine = describeMachine();
  const runtime = process.versions.bun ? `Bun ${process.versions.bun}` : `Deno ${process.versions.deno}`;
  return [
    `Machine: ${machine.cpus} CPUs (nproc), ${machine.cpuModel}, ${machine.kernel}, ${runtime}, ${gitVersion}.`,
    `A generated git repository of ${files.toLocaleString("en")} files; median of ${runs} runs after 3 warm-up runs, patchbay and git alternating. The whole run took ${seconds} s.`,
    "",
    "| Measure | patchbay | git | git command | ratio | target | met |",
    "|---|--:|--:|---|--:|---|---|",
    ...rows,
  ].join("\n");
}

const BEGIN = "<!-- bench-workspace:begin (generated by `bun scripts/bench/workspace.ts --write`) -->";
const END = "<!-- bench-workspace:end -->";

function writeSection(file: string, section: string): void {
  const page = readFileSync(file, "utf8");
  const begin = page.indexOf(BEGIN);
  const end = page.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`${file} lacks the markers ${BEGIN} … ${END}`);
  writeFileSync(file, `${page.slice(0, begin + BEGIN.length)}\n${section}\n${page.slice(end)}`);
}

const began = performance.now();
try {
  const repo = tempDir("patchbay-bench-repo-");
  process.stderr.write(`generating ${files} files…\n`);
  generateRepo(repo, files);
  const tools = await fileToolCaller(repo, tempDir("patchbay-bench-home-"));
  const rows: string[] = [];
  for (const pair of pairs(tools)) {
    const command = `git ${pair.git.join(" ").slice(0, 200)}`;
    const shown = pair.label ?? `\`${command}\``;
    const [ours, theirs] = [await pair.patchbay(), await gitLines(repo, pair.git)];
    if (pair.sameCount && ours !== theirs) throw new Error(`${pair.measure}: patchbay found ${ours} results, \`${command}\` ${theirs}`);
    process.stderr.write(`${pair.measure} against ${command}…\n`);
    const time = await measure(repo, pair, 3);
    const ratio = time.patchbay / time.git;
    const met = pair.target === undefined ? "info" : ratio <= pair.target ? "yes" : "**no**";
    rows.push(
      `| ${pair.measure} | ${time.patchbay.toFixed(1)} ms | ${time.git.toFixed(1)} ms | ${shown} | ${ratio.toFixed(2)}× | ${pair.target ? `≤ ${pair.target}× git` : "—"} | ${met} |`,
    );
  }
  await tools.close();
  const gitVersion = execFileSync("git", ["--version"], { encoding: "utf8" }).trim();
  const section = renderSection(rows, Math.round((performance.now() - began) / 1000), gitVersion);
  process.stdout.write(`${section}\n`);
  if (values.write) {
    writeSection(join(repoRoot, "docs", "benchmarks.md"), section);
    process.stderr.write("wrote docs/benchmarks.md\n");
  }
} finally {
  removeTempDirs();
}
