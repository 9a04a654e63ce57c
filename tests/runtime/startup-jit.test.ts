/**
 * The compiled binary starts with the JIT's thresholds raised (scripts/compile-flags.ts) and puts them
 * back 250 ms into any command still running (src/runtime/startup-jit.ts). Were Bun to lose the
 * call that puts them back, the server would serve every tool call at startup thresholds, 5–30%
 * slower, and nothing else would say so.
 */
import { expect, test } from "bun:test";

test("the Bun that builds patchbay can put the JIT's thresholds back", () => {
  expect(typeof (Bun as unknown as { unsafe: { setJITPolicy?: unknown } }).unsafe.setJITPolicy).toBe("function");
});
