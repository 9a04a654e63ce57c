/**
 * One round of every measurement. Each round starts its own servers in fresh homes, so a round
 * never inherits another's warm state, and stops all of them before it returns.
 */
import type { Binaries } from "./binaries.ts";
import { coldStartMedians, firstConnectionMedian, type Launch } from "./cold-start.ts";
import { idleRssMiB } from "./memory.ts";
import { benchEnv, startListening, tempDir, type ListeningServer } from "./processes.ts";
import { httpRoundTrip, stdioRoundTrip, type CallCounts, type Latency } from "./round-trip.ts";
import { StdioRpc } from "./rpc.ts";

export interface RoundPlan {
  /** Spawns per launch per round for cold start. */
  spawns: number;
  /** Spawns per round for the first-connection figure (each also starts and stops a server). */
  firstConnectionSpawns: number;
  calls: CallCounts;
}

export interface RoundFigures {
  coldStartMs: { bunHello: number; sdkMinimal: number; relay: number; wrapper: number; standalone: number; firstConnection: number };
  roundTripMs: { httpPatchbay: Latency; httpSdk: Latency; stdioRelay: Latency; stdioStandalone: Latency; stdioSdk: Latency };
  idleRssMiB: { patchbay: number; sdkMinimal: number; bunHello: number };
}

// Cheap and read-only on both sides, so the figure is the server's per-call overhead.
const PATCHBAY_TOOL = "codex_tool_mode_info";
const SDK_TOOL = "info";

export async function runRound(bin: Binaries, plan: RoundPlan): Promise<RoundFigures> {
  const serverHome = tempDir("patchbay-bench-server-");
  const standalone: Launch = { command: bin.patchbay, args: ["stdio", "--standalone"], env: benchEnv(tempDir("patchbay-bench-standalone-")) };
  const relay: Launch = { command: bin.patchbay, args: ["stdio"], env: benchEnv(serverHome) };
  const wrapper: Launch = { command: bin.wrapper, args: ["stdio"], env: benchEnv(serverHome) };
  const sdkStdio: Launch = { command: bin.sdkMinimal, args: ["stdio"], env: benchEnv() };
  const hello: Launch = { command: bin.bunHello, args: [], env: benchEnv() };

  const started: ListeningServer[] = [];
  const idleHello = StdioRpc.spawn(hello.command, hello.args, hello.env); // waits on stdin: idle by design
  try {
    const patchbay = await startListening(
      bin.patchbay,
      ["start", "--port", "0", "--json"],
      benchEnv(serverHome),
      (printed) => (printed as { setup_guide: { server_url: string } }).setup_guide.server_url,
    );
    started.push(patchbay);
    const sdkHttp = await startListening(bin.sdkMinimal, ["http"], benchEnv(), (printed) => (printed as { url: string }).url);
    started.push(sdkHttp);

    // Before any client touches them: this is what a server costs while nobody uses it.
    const [rssPatchbay, rssSdk, rssHello] = await idleRssMiB([patchbay.pid, sdkHttp.pid, idleHello.child.pid!]);
    const cold = await coldStartMedians({ bunHello: hello, sdkMinimal: sdkStdio, relay, wrapper, standalone }, plan.spawns);
    const roundTripMs = {
      httpPatchbay: await httpRoundTrip(patchbay.url, PATCHBAY_TOOL, plan.calls),
      httpSdk: await httpRoundTrip(sdkHttp.url, SDK_TOOL, plan.calls),
      stdioRelay: await stdioRoundTrip(relay, PATCHBAY_TOOL, plan.calls),
      stdioStandalone: await stdioRoundTrip(standalone, PATCHBAY_TOOL, plan.calls),
      stdioSdk: await stdioRoundTrip(sdkStdio, SDK_TOOL, plan.calls),
    };
    const firstConnection = await firstConnectionMedian(bin.patchbay, tempDir("patchbay-bench-first-"), plan.firstConnectionSpawns);
    return {
      coldStartMs: { ...cold, firstConnection },
      roundTripMs,
      idleRssMiB: { patchbay: rssPatchbay!, sdkMinimal: rssSdk!, bunHello: rssHello! },
    };
  } finally {
    for (const server of started) await server.stop();
    await idleHello.close();
  }
}
