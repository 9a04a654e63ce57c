/**
 * What the pairing benches (tool-calls-paired.ts, tool-calls-turn-gaps.ts) start alike: patchbay
 * built with the release flags and serving a generated repository of 200 files, the minimal SDK
 * server compiled the same way, and the reference filesystem server's `read_text_file` as a side.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { compileBaseline, repoRoot } from "../binaries.ts";
import { describeMachine } from "../machine.ts";
import { benchEnv, type ListeningServer, removeTempDirs, run, startListening, tempDir } from "../processes.ts";
import { publishSection } from "../sections.ts";
import { generateRepo } from "../workspace/fixture.ts";
import { type BenchClient, connectStdio } from "./client.ts";
import { TIMED_FILE } from "./timed-calls.ts";
import type { Side } from "./turns.ts";

export interface Pairing {
  /** The compiled patchbay and the minimal SDK server, in `binDir`. */
  patchbay: string;
  sdkMinimal: string;
  binDir: string;
  repo: string;
  /** The running server's home: a relayed client runs with it. */
  home: string;
  /** `patchbay start` on `repo`; `server.url` is its HTTP endpoint. */
  server: ListeningServer;
  /** Opens a client that `close` closes. */
  open(connecting: Promise<BenchClient>): Promise<BenchClient>;
  /** A relayed `patchbay stdio` session to the server. */
  relay(): Promise<BenchClient>;
  /** The reference server on `repo`, reading the file `codex_read_file` reads. */
  referenceRead(): Promise<Side>;
  /** Closes every client opened, then the server. */
  close(): Promise<void>;
}

export async function startPairing(name: string): Promise<Pairing> {
  process.stderr.write("building patchbay and the minimal SDK server…\n");
  const binDir = tempDir(`patchbay-bench-${name}-bin-`);
  const patchbay = join(binDir, "patchbay");
  await run(process.execPath, ["scripts/build.ts", patchbay], { cwd: repoRoot });
  const sdkMinimal = await compileBaseline("sdk-minimal.ts", join(binDir, "sdk-minimal"));
  const repo = tempDir(`patchbay-bench-${name}-repo-`);
  generateRepo(repo, 200);
  const home = tempDir(`patchbay-bench-${name}-home-`);
  const server = await startListening(
    patchbay,
    ["start", "--port", "0", "--json", "--root", repo],
    benchEnv(home),
    (printed) => (printed as { setup_guide: { server_url: string } }).setup_guide.server_url,
  );
  const clients: BenchClient[] = [];
  const open = async (connecting: Promise<BenchClient>) => {
    const client = await connecting;
    clients.push(client);
    return client;
  };
  return {
    patchbay,
    sdkMinimal,
    binDir,
    repo,
    home,
    server,
    open,
    relay: () => open(connectStdio({ command: patchbay, args: ["stdio", "--root", repo], env: benchEnv(home) })),
    async referenceRead() {
      const reference = createRequire(import.meta.url).resolve("@modelcontextprotocol/server-filesystem/dist/index.js");
      return {
        client: await open(connectStdio({ command: "node", args: [reference, repo], env: benchEnv() })),
        call: { name: "read_text_file", args: { path: join(repo, TIMED_FILE) } },
      };
    },
    async close() {
      for (const client of clients) await client.close().catch(() => {});
      await server.stop();
    },
  };
}

/**
 * Runs a pairing bench's `main` and prints its table under the machine and `how` (what was timed),
 * with the run's length; with `write`, also into docs/benchmarks.md between `marker`'s markers.
 * Every temp directory goes at the end, whatever happened.
 */
export async function publishPairingRun(options: {
  marker: string;
  script: string;
  write: boolean | undefined;
  how: () => string;
  main: () => Promise<string>;
}): Promise<void> {
  const began = performance.now();
  try {
    const table = await options.main();
    const machine = describeMachine();
    const section = [
      `Machine: ${machine.cpus} CPUs (nproc), ${machine.cpuModel}, ${machine.kernel}, Bun ${machine.bun}.`,
      `${options.how()} The whole run took ${Math.round((performance.now() - began) / 1000)} s.`,
      "",
      table,
    ].join("\n");
    publishSection(section, { marker: options.marker, script: options.script, write: options.write });
  } finally {
    removeTempDirs();
  }
}
