/**
 * Compiles patchbay into one self-contained executable for this machine: dist/patchbay.
 * Bytecode with ESM output starts about twice as fast as plain JS, and code splitting keeps each
 * lazily imported part (a command, the server, the MCP stack) in a chunk of its own inside the
 * executable, so a start loads only the chunks its command imports (docs/benchmarks.md).
 * Release targets (bun-linux-x64, bun-linux-arm64, bun-darwin-x64, bun-darwin-arm64,
 * bun-windows-x64) cross-compile with `--target`, which downloads that platform's Bun runtime:
 * see docs/building.md. Only the local target is built here.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const outfile = process.argv[2] ?? "dist/patchbay";
mkdirSync(`${root}/dist`, { recursive: true });
// A compiled Bun program reads `.env` and bunfig.toml from its working directory unless told not
// to, and hosts run patchbay in the project they opened: a repository's `.env` would set
// patchbay's variables and its bunfig.toml `preload` would run its code inside patchbay.
const noAutoload = ["--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig"];
// Startup code runs once: raised tier-up thresholds keep the JIT from compiling it, and a command
// still running 250 ms later puts them back (src/runtime/startup-jit.ts; docs/benchmarks.md).
const jitPolicy = "--compile-jit-policy=8";
const args = ["build", "--compile", ...noAutoload, jitPolicy, "--minify", "--bytecode", "--format=esm", "--splitting", "src/cli.ts", "--outfile", outfile];
const result = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit" });
process.exit(result.status ?? 1);
