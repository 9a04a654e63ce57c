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
import { COMPILE_FLAGS } from "./compile-flags.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const outfile = process.argv[2] ?? "dist/patchbay";
mkdirSync(`${root}/dist`, { recursive: true });
const args = [...COMPILE_FLAGS, "src/cli.ts", "--outfile", outfile];
const result = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit" });
process.exit(result.status ?? 1);
