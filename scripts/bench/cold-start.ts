/**
 * Cold start: from spawning a stdio server to its reply to `initialize`, the delay a host sees
 * before it can list tools. Shutting the process down afterwards is not timed.
 */
import { INITIALIZE_PARAMS, StdioRpc } from "./rpc.ts";
import { benchEnv, run } from "./processes.ts";
import { median } from "./stats.ts";

/** How to start one stdio server. */
export interface Launch {
  command: string;
  args: string[];
  env: Record<string, string>;
}

export async function coldStartMs(launch: Launch): Promise<number> {
  const started = performance.now();
  const rpc = StdioRpc.spawn(launch.command, launch.args, launch.env);
  const cancelWatchdog = rpc.watchdog(20_000);
  try {
    await rpc.request("initialize", INITIALIZE_PARAMS);
    return performance.now() - started;
  } finally {
    await rpc.close();
    cancelWatchdog();
  }
}

/**
 * The median cold start of each launch over `spawns` spawns. Launches take turns, so a burst of
 * noise on this shared box hits all of them alike rather than one.
 */
export async function coldStartMedians<K extends string>(launches: Record<K, Launch>, spawns: number): Promise<Record<K, number>> {
  const names = Object.keys(launches) as K[];
  const samples = new Map<K, number[]>(names.map((name) => [name, []]));
  for (let spawn = 0; spawn < spawns; spawn++) {
    for (const name of names) samples.get(name)!.push(await coldStartMs(launches[name]));
  }
  return Object.fromEntries(names.map((name) => [name, median(samples.get(name)!)])) as Record<K, number>;
}

/**
 * First connection: `patchbay stdio` when no server runs for its home, so it launches one in the
 * background and waits for it before relaying. The server is stopped again after each spawn.
 */
export async function firstConnectionMedian(patchbay: string, home: string, spawns: number): Promise<number> {
  const samples: number[] = [];
  for (let spawn = 0; spawn < spawns; spawn++) {
    try {
      samples.push(await coldStartMs({ command: patchbay, args: ["stdio"], env: benchEnv(home) }));
    } finally {
      await run(patchbay, ["stop"], { env: benchEnv(home) }); // also when the spawn failed: no server may outlive the bench
    }
  }
  return median(samples);
}
