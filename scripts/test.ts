/**
 * `npm test`: builds the binary the integration tests drive, runs the whole suite with `bun test`,
 * and ends with the one summary line CI reads: `N passed, N failed, N skipped`. A skip that is
 * not on ALLOWED_SKIPS counts as a failure: a regression must fail, not hide as a skip.
 * Extra arguments go to `bun test` (e.g. `npm test -- tests/http`).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pkg from "../package.json" with { type: "json" };
import { nodeOnPath, nodeVersionProblem } from "./node-version.ts";
import { ensureSystemPackages } from "./system-packages.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const bun = process.execPath;

/**
 * Skips a run may have, each with its reason. Everything else a test needs is installed here
 * (the agent CLIs from npm; system packages as root: scripts/system-packages.ts).
 */
const ALLOWED_SKIPS: ReadonlyArray<{ test: RegExp; reason: string }> = [
  { test: /cargo test --config cannot name a runner/, reason: "needs rustc; Rust is no part of patchbay's toolchain, and cargo is not installed for one test" },
];

function summary(passed: number, failed: number, skipped = 0): never {
  process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}

/**
 * The real agent CLIs the end-to-end tests drive live in their own test package, so the product's
 * install stays lean; it is installed here (once, and again when its lockfile changes).
 */
function ensureAgentClis(): boolean {
  const dir = join(root, "tests", "agents-cli");
  const lock = join(dir, "package-lock.json");
  const installed = join(dir, "node_modules", ".package-lock.json");
  if (!existsSync(lock)) return true;
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return true;
  process.stderr.write("installing the pinned agent CLIs for the end-to-end tests (npm ci --prefix tests/agents-cli)…\n");
  return spawnSync("npm", ["ci", "--prefix", dir, "--no-audit", "--no-fund"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] }).status === 0;
}

/**
 * reasonix (the pipeline's ACP writer) in a package of its own, installed without a lockfile:
 * it names optional platform packages that are not all published, which `npm ci` cannot lock.
 * Its end-to-end test skips, saying so, when this install fails.
 */
function ensureReasonix(): void {
  const dir = join(root, "tests", "reasonix-cli");
  if (!existsSync(join(dir, "package.json")) || existsSync(join(dir, "node_modules", ".bin", "reasonix"))) return;
  process.stderr.write("installing the pinned reasonix for the ACP end-to-end test…\n");
  spawnSync("npm", ["install", "--no-package-lock", "--prefix", dir, "--no-audit", "--no-fund"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
}

const nodeProblem = nodeVersionProblem(pkg.engines.node, nodeOnPath());
if (nodeProblem) process.stderr.write(`warning: ${nodeProblem}\n`);
// Not root: nothing is installed, the tests that need a missing package skip, and the skips fail the run.
const packagesProblem = ensureSystemPackages();
if (packagesProblem) process.stderr.write(`system packages: ${packagesProblem}\n`);
ensureReasonix();
if (!ensureAgentClis()) {
  process.stderr.write("installing tests/agents-cli failed, so the end-to-end agent tests cannot run\n");
  summary(0, 1);
}

const build = spawnSync(bun, ["scripts/build.ts"], { cwd: root, stdio: "inherit" });
if (build.status !== 0) {
  process.stderr.write("the build failed, so no test ran\n");
  summary(0, 1);
}

// bun test prints its results on stderr; mirror them and keep the tail for the counts.
const child = spawn(bun, ["test", "--timeout", "60000", ...process.argv.slice(2)], { cwd: root, stdio: ["ignore", "inherit", "pipe"] });
let tail = "";
let pending = "";
const skips: string[] = [];
child.stderr.on("data", (chunk: Buffer) => {
  process.stderr.write(chunk);
  const text = chunk.toString("utf8");
  tail = (tail + text).slice(-4096);
  // Whole lines only: a skipped test's name may arrive split across chunks.
  const lines = (pending + text).split("\n");
  pending = lines.pop() ?? "";
  for (const line of lines) if (line.startsWith("(skip) ")) skips.push(line.slice("(skip) ".length));
});
child.on("close", (code) => {
  const passed = Number(/^\s*(\d+) pass$/m.exec(tail)?.[1] ?? 0);
  const failed = Number(/^\s*(\d+) fail$/m.exec(tail)?.[1] ?? 0);
  const unexpected = skips.filter((name) => !ALLOWED_SKIPS.some((allowed) => allowed.test.test(name)));
  for (const name of unexpected) process.stderr.write(`skipped, and not on ALLOWED_SKIPS in scripts/test.ts (counted as a failure): ${name}\n`);
  if (unexpected.length > 0 && packagesProblem) process.stderr.write(`some of these skipped because system packages are missing: ${packagesProblem}\n`);
  // A crash of the runner itself counts as a failure even when no test reported one.
  summary(passed, (code !== 0 && failed === 0 ? 1 : failed) + unexpected.length, skips.length);
});
