/**
 * The composition root: the one place that knows every capability. `createApp` assembles the
 * application, `ALL_TOOLS` is the catalog the server serves. Nothing but the entry points
 * (server, CLI, tests) imports this folder.
 */
export { createApp, type AppParts } from "./create.ts";
export type { AppContext } from "./context.ts";
export { ALL_TOOLS } from "./catalog.ts";
