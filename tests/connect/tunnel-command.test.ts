/**
 * `patchbay start --tunnel-command` is read like every command line patchbay runs (splitWords:
 * quotes group), not split on spaces; the tunnel it starts is stopped with its whole process group
 * when the server stops.
 */
import { afterAll, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { processGone } from "../jobs/support.ts";
import { until } from "../support/until.ts";
import { removeTempDirs, startTestServer, tempDir } from "../support/patchbay.ts";

afterAll(() => removeTempDirs());

test("a quoted --tunnel-command argument reaches the tunnel as one argument, and stopping the server stops the tunnel's group", async () => {
  const dir = tempDir("patchbay-tunnel-command-");
  const marker = join(dir, "argument");
  const pidFile = join(dir, "pid");
  // The tunnel writes the argument it got and the pid of a grandchild, then waits like a real tunnel.
  // It prints a line first: a custom tunnel counts as up once it has said something.
  const script = `printf %s "$0" > ${marker}.part && mv ${marker}.part ${marker}; sleep 120 & echo $! > ${pidFile}; echo up; wait`;
  const command = `/bin/sh -c '${script}' "two words"`;
  const server = await startTestServer({
    args: ["--tunnel-mode", "custom", "--public-url", "https://tunnel.example.com", "--tunnel-command", command],
    env: { PATCHBAY_HTTP_TOKEN: randomBytes(32).toString("hex") },
  });
  let grandchild: number | undefined;
  try {
    await until(
      () => existsSync(marker) && existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "",
      "the tunnel command to start and write its pid",
      {
        timeoutMs: 20_000,
      },
    );
    expect(readFileSync(marker, "utf8")).toBe("two words");
    grandchild = Number(readFileSync(pidFile, "utf8"));
    expect(processGone(grandchild)).toBe(false);
  } finally {
    await server.stop();
  }
  await until(() => processGone(grandchild), "the tunnel's grandchild to be gone", { timeoutMs: 15_000 });
}, 60_000);
