/**
 * The server face. The owner process (server.ts, standalone.ts) is imported on demand: a
 * `patchbay stdio` relay or `patchbay status` never loads the MCP SDK or the HTTP stack.
 */
import type { RunningServer, StartServerOptions } from "./server.ts";
import type { runStandalone as RunStandalone } from "./standalone.ts";

export type { RunningServer, StatusReport, StartServerOptions } from "./server.ts";

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  return (await import("./server.ts")).startServer(options);
}

export async function runStandalone(options: Parameters<typeof RunStandalone>[0]): Promise<number> {
  return (await import("./standalone.ts")).runStandalone(options);
}

/** Where the server's board is under server.public_url (src/board, which only the server imports). */
export async function publishedBoardUrl(publicUrl: string): Promise<string | undefined> {
  return (await import("../board/index.ts")).publishedBoardUrl(publicUrl);
}

export { relayStdio } from "./relay-client.ts";
export { readOwner, type OwnerRecord } from "./owner.ts";
export { controlRequest, controlStream } from "./control-client.ts";
export { ensureServer } from "./launcher.ts";
export { stopServer } from "./stop-server.ts";
export { serverLogFile } from "./launcher.ts";
export { assertExposureAllowed, httpToken } from "./http-exposure.ts";
export { scopeFromConfig } from "./scope.ts";
export { runningSettings, settingsConflicts, withRunningSettings, type RunningSettings } from "./running-settings.ts";
