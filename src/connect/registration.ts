import { existsSync, realpathSync } from "node:fs";
import { dirname, join } from "node:path";
import { PatchbayError } from "../errors/index.ts";
import { REDACTED } from "../redact/index.ts";
import type { EntryOptions, Registration } from "./hosts/adapter.ts";
import { hostAdapter, type HostId, locate } from "./hosts/index.ts";
import { setTomlTable } from "./toml-edit.ts";

export type { EntryOptions, Registration } from "./hosts/adapter.ts";

/** The JSON or TOML value a host stores under `mcpServers.patchbay` / `[mcp_servers.patchbay]`. */
export function hostEntry(host: HostId, registration: Registration, options: EntryOptions = {}): Record<string, unknown> {
  const adapter = hostAdapter(host);
  if (registration.transport === "stdio") return adapter.stdioEntry(registration, options);
  if (adapter.httpEntry) return adapter.httpEntry(registration);
  throw new PatchbayError("invalid_flag", adapter.noHttp?.message ?? `${adapter.title} cannot register a remote (HTTP) server`, {
    next: adapter.noHttp?.next ?? `run \`patchbay mcp install ${host}\` without --http`,
  });
}

/**
 * `entry` under the host's server table, as text to paste into its file (`patchbay agent`).
 *
 * @example
 * entrySnippet("claude", { type: "http", url }); // '{\n  "mcpServers": {\n    "patchbay": { … }'
 */
export function entrySnippet(host: HostId, entry: Record<string, unknown>): string {
  const { configHint } = hostAdapter(host);
  const { format, path } = locate(host, undefined, { root: "." });
  const [table, name] = path.slice(-2) as [string, string];
  if (format === "toml") return `# ${configHint}\n${setTomlTable("", [table, name], entry, configHint)}`;
  return `${JSON.stringify({ [table]: { [name]: entry } }, null, 2)}\n`;
}

/** The entry with an embedded token replaced, for printing. */
export function redactEntry(entry: Record<string, unknown>, token: string | undefined): Record<string, unknown> {
  if (!token) return entry;
  return JSON.parse(JSON.stringify(entry).replaceAll(token, REDACTED)) as Record<string, unknown>;
}

export interface StdioOptions {
  /** The argv that runs this patchbay (`selfCommand()`); its first word becomes `command`. */
  self: string[];
  root: string;
  allowRoots?: string[];
  toolMode?: string;
  profile?: string;
  /** `full`: this host's sessions get direct writes, bash full and session reads (`stdio --power full`). */
  power?: "safe" | "full";
  standalone?: boolean;
  /** PATCHBAY_HOME to pass on when it is not the default, so the host's patchbay shares this state. */
  patchbayHome?: string;
}

/**
 * What a host runs: the compiled binary by its real path. Not bin/patchbay, whose staleness check
 * walks src/ on every launch, nor the TypeScript source, which Bun would transpile on every launch;
 * from a checkout that was never built, the source is all there is.
 */
function hostCommand(self: readonly string[]): string[] {
  // A binary that is not (or no longer) there keeps its path: registering it is not the place to fail.
  if (self.length === 1) return [existsSync(self[0]!) ? realpathSync(self[0]!) : self[0]!];
  const entry = self[self.length - 1]!;
  const built = join(dirname(dirname(entry)), "dist", "patchbay");
  return existsSync(built) ? [realpathSync(built)] : [...self];
}

/**
 * `<this binary> stdio --root <repo> …` as a host should start it: absolute paths only, because
 * hosts start servers from a working directory of their choosing.
 */
export function stdioRegistration(options: StdioOptions): Registration {
  const [command, ...prefix] = hostCommand(options.self) as [string, ...string[]];
  const args = [...prefix, "stdio", "--root", options.root];
  for (const dir of options.allowRoots ?? []) args.push("--allow-root", dir);
  if (options.toolMode) args.push("--tool-mode", options.toolMode);
  if (options.profile) args.push("--profile", options.profile);
  if (options.power === "full") args.push("--power", "full");
  if (options.standalone) args.push("--standalone");
  return { transport: "stdio", command, args, env: options.patchbayHome ? { PATCHBAY_HOME: options.patchbayHome } : {} };
}
