import { closeSync, type FSWatcher, mkdirSync, openSync, readFileSync, watch } from "node:fs";
import { join } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { selfCommand } from "../runtime/index.ts";
import { isProcessAlive } from "../state/index.ts";
import { readOwner, runDir, type OwnerRecord } from "./owner.ts";

const START_TIMEOUT_MS = 20_000;

export function serverLogFile(home: string): string {
  return join(home, "logs", "server.log");
}

function tail(file: string, lines = 5): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/** Starts `patchbay start --no-http` in the background, detached from this process's session. */
async function launchBackgroundServer(home: string, configFile?: string): Promise<number> {
  // Loaded here, not above: every `patchbay stdio` imports this file, and only the first one launches.
  const [{ spawn }, { patchbayItselfEnvironment }] = await Promise.all([import("node:child_process"), import("../agents/index.ts")]);
  mkdirSync(join(home, "logs"), { recursive: true, mode: 0o700 });
  const log = openSync(serverLogFile(home), "a", 0o600);
  try {
    const [command, ...args] = selfCommand();
    const child = spawn(command!, [...args, "start", "--no-http", "--background", ...(configFile ? ["--config", configFile] : [])], {
      cwd: home,
      env: patchbayItselfEnvironment(home),
      detached: true,
      stdio: ["ignore", log, log],
    });
    child.unref();
    return child.pid ?? 0;
  } finally {
    closeSync(log);
  }
}

/**
 * Waits for something to change in the run directory, where a starting server publishes its
 * record (a rename), or for `ms`, whichever comes first: the watch wakes the wait at once, the
 * timeout covers a change made before the wait began and a filesystem that cannot be watched.
 */
function runDirChanges(home: string): { next(ms: number): Promise<void>; close(): void } {
  let wake: (() => void) | undefined;
  let watcher: FSWatcher | undefined;
  try {
    const dir = runDir(home);
    mkdirSync(dir, { recursive: true, mode: 0o700 }); // as the server makes it: the watch needs it first
    watcher = watch(dir, () => wake?.());
    watcher.on("error", () => watcher?.close());
  } catch {
    // No watch here: the timeout alone paces the wait.
  }
  return {
    next: (ms) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => wake?.(), ms);
        wake = () => {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        };
      }),
    close: () => watcher?.close(),
  };
}

/**
 * The running server of `home`, started in the background when none runs. Several callers racing
 * here are safe: only one background server can claim the state, the others exit at once, and
 * every caller ends up talking to the winner.
 */
export async function ensureServer(home: string, configFile?: string): Promise<OwnerRecord> {
  let owner = readOwner(home);
  if (owner?.kind === "standalone") {
    throw new PatchbayError("state_owned", `a standalone stdio session (pid ${owner.pid}) owns ${home}`, {
      next: "close it, or give this session its own PATCHBAY_HOME",
    });
  }
  if (owner?.control_port) return owner;
  const changes = runDirChanges(home); // before the launch: the record can be published at once
  try {
    const launched = owner ? 0 : await launchBackgroundServer(home, configFile);
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      await changes.next(10);
      owner = readOwner(home);
      if (owner?.control_port) {
        // Said on stderr (stdout may be the MCP channel): a process that outlives this command is no surprise.
        if (launched && owner.pid === launched)
          process.stderr.write(
            `patchbay: started a background server for ${home} (pid ${owner.pid}, log ${serverLogFile(home)}); \`patchbay stop\` stops it, \`patchbay start --foreground\` takes it over\n`,
          );
        return owner;
      }
      if (launched && !owner && !isProcessAlive(launched)) {
        throw new PatchbayError("server_start_failed", `the background server exited during start-up: ${tail(serverLogFile(home)) || "no output"}`, {
          next: `see ${serverLogFile(home)}, or run \`patchbay start\` in a terminal to watch it`,
        });
      }
    }
  } finally {
    changes.close();
  }
  throw new PatchbayError("server_start_failed", `no server answered within ${START_TIMEOUT_MS / 1000} s`, { next: `see ${serverLogFile(home)}` });
}
