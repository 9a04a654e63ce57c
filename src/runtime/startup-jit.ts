/**
 * The compiled binary starts with JavaScriptCore's tier-up thresholds raised (scripts/compile-flags.ts,
 * `--compile-jit-policy`): code that runs once while a command starts stays in the interpreter
 * instead of keeping the JIT busy on few cores (a standalone start 12–17% faster), and a
 * one-shot command exits before compiling would pay off. A command still running this long after
 * it began serves or works, so the thresholds go back to normal for its hot paths: left raised,
 * a tool call took 5–30% longer.
 */
const STARTUP_MS = 250;

interface BunUnsafe {
  setJITPolicy?(scale: number): void;
}

/** Puts the JIT's thresholds back to normal STARTUP_MS from now, without keeping the process alive. */
export function endStartupJitPolicyLater(): void {
  const unsafe = (globalThis as { Bun?: { unsafe?: BunUnsafe } }).Bun?.unsafe;
  if (unsafe?.setJITPolicy) setTimeout(() => unsafe.setJITPolicy?.(1), STARTUP_MS).unref();
}
