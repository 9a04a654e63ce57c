import type { Env } from "../../config/index.ts";
import { expandEnv } from "../probe.ts";

/** What a host should start or call to reach patchbay. */
export type Registration =
  | { transport: "stdio"; command: string; args: string[]; env: Record<string, string> }
  | {
      transport: "http";
      url: string /** Absent: the server takes no token (loopback without auth). */;
      tokenEnv?: string /** Set only with --embed-token. */;
      token?: string;
    };

export type StdioRegistration = Extract<Registration, { transport: "stdio" }>;
export type HttpRegistration = Extract<Registration, { transport: "http" }>;

export interface EntryOptions {
  /** Gemini's `trust: true` (skip its per-call confirmations); only when asked. */
  trust?: boolean;
}

/** Where a host keeps one registration: the file, its format, and the key path inside it. */
export interface HostLocation {
  host: string;
  scope: string;
  file: string;
  /** text: a whole file patchbay writes (a skill), not an entry inside one. */
  format: "toml" | "json" | "text";
  /** Keys from the top of the file to the server's entry (the last key is the server name). */
  path: string[];
  /** CODEX_HOME must already exist, as for codex itself. */
  dirMustExist?: boolean;
}

/** What an entry starts or calls, as its host reads it: what doctor probes. */
export type EntryTarget =
  | { transport: "stdio"; command: string; args: string[]; env: Record<string, string> }
  | { transport: "http"; url: string; headers: Record<string, string> };

/** What an adapter's `locate` gets: the repository, the environment and home, the server's name. */
export interface LocateContext {
  /** The repository the registration is for (Claude's local and project scopes, Gemini's project scope). */
  root: string;
  env: Env;
  home: string;
  platform: NodeJS.Platform;
  name: string;
}

/**
 * One install host (an MCP client that keeps its servers in a config file): everything patchbay
 * knows about it. Install, uninstall, doctor, setup and `patchbay agent` read only this; removing
 * an entry needs nothing host-specific (the key path is deleted, and containers it leaves empty).
 */
export interface HostAdapter {
  /** The name on the command line: `patchbay mcp install <id>`. */
  id: string;
  /** The product's own name, for messages. */
  title: string;
  /** The file as people know it, for help texts and snippets (`~/.codex/config.toml`). */
  configHint: string;
  /** The scopes it keeps servers at; `defaultScope` is one of them. */
  scopes: readonly string[];
  defaultScope: string;
  /** The file, its format and the key path of the server `context.name` at `scope` (one of `scopes`). */
  locate(scope: string, context: LocateContext): Omit<HostLocation, "host" | "scope">;
  /** The entry that starts `patchbay stdio`. */
  stdioEntry(registration: StdioRegistration, options: EntryOptions): Record<string, unknown>;
  /** The entry that calls a running server over streamable HTTP; absent when the file cannot hold one. */
  httpEntry?(registration: HttpRegistration): Record<string, unknown>;
  /** Why there is no `httpEntry`, and what to do instead. */
  noHttp?: { message: string; next: string };
  /** What `entry` (as found in the file, possibly hand-written) starts or calls; undefined when neither. */
  target(entry: Record<string, any>, env: Env): EntryTarget | undefined;
  /** The host's own command that lists its MCP servers (and checks them), as after-install advice names it. */
  listCommand?: readonly string[];
  /** What to do after installing. */
  next: string;
  /** A problem of an entry that answers the handshake but that the host will not use fully (doctor warns). */
  entryWarning?(entry: Record<string, unknown>): string | undefined;
  /** Where the host keeps its settings hooks at `scope` (the inbox Stop hook); only hosts with hooks. */
  hookLocation?(scope: string, options: { root: string; env?: Env }): HostLocation;
  /** The folder the host loads skills from at `scope` (`--skills` writes `<name>/SKILL.md` there); only hosts with skills. */
  skillsFolder?(scope: string, options: { root: string; env?: Env }): string;
}

/** The server's bearer header as hosts that expand `${VAR}` in their files take it (Claude Code, Gemini CLI), if it takes a token. */
export function bearerHeaders({ tokenEnv, token }: HttpRegistration): { headers?: { Authorization: string } } {
  if (token === undefined && tokenEnv === undefined) return {};
  return { headers: { Authorization: `Bearer ${token ?? `\${${tokenEnv}}`}` } };
}

/** `command`, `args` and `env`: a stdio entry as every host here reads it. */
export function stdioTarget(entry: Record<string, any>): EntryTarget | undefined {
  if (typeof entry.command !== "string") return undefined;
  return { transport: "stdio", command: entry.command, args: Array.isArray(entry.args) ? entry.args.map(String) : [], env: entry.env ?? {} };
}

/** A URL with `headers` in which the host expands `${VAR}` and `$VAR` (Claude Code, Gemini CLI). */
export function expandedHttpTarget(url: unknown, headers: unknown, env: Env): EntryTarget | undefined {
  if (typeof url !== "string") return undefined;
  const expanded = Object.entries(headers ?? {}).map(([key, value]) => [key, expandEnv(String(value), env)]);
  return { transport: "http", url, headers: Object.fromEntries(expanded) };
}
