/**
 * The `bun build` flags of a release binary: scripts/build.ts compiles patchbay with them, and the
 * bench compiles its baselines with them (scripts/bench/binaries.ts), so both differ only in code.
 */
export const COMPILE_FLAGS = [
  "build",
  "--compile",
  // A compiled Bun program reads `.env` and bunfig.toml from its working directory unless told not
  // to, and hosts run patchbay in the project they opened: a repository's `.env` would set
  // patchbay's variables and its bunfig.toml `preload` would run its code inside patchbay.
  "--no-compile-autoload-dotenv",
  "--no-compile-autoload-bunfig",
  // Startup code runs once: raised tier-up thresholds keep the JIT from compiling it, and a command
  // still running 250 ms later puts them back (src/runtime/startup-jit.ts; docs/benchmarks.md).
  "--compile-jit-policy=8",
  "--minify",
  "--bytecode",
  "--format=esm",
  "--splitting",
];
