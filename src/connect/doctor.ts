import type { Env } from "../config/index.ts";
import { asPatchbayError } from "../errors/index.ts";
import { hostAdapter, type HostId, locate } from "./hosts/index.ts";
import { readEntry } from "./install.ts";
import { probeHttp, probeStdio } from "./probe.ts";

export interface HostCheck {
  host: HostId;
  scope: string;
  file: string;
  status: "ok" | "warn" | "fail" | "missing";
  detail: string;
  next?: string;
  tools?: number;
}

/**
 * For each scope of `host`: is patchbay registered, does the registered command (or URL) answer
 * the MCP handshake and `tools/list`, and what to fix when it does not.
 */
export async function checkHost(host: HostId, options: { root: string; env: Env; name?: string }): Promise<HostCheck[]> {
  const checks: HostCheck[] = [];
  const { scopes } = hostAdapter(host);
  for (const scope of scopes) {
    const location = locate(host, scope, { root: options.root, env: options.env, name: options.name });
    const base = { host, scope, file: location.file };
    let entry: unknown;
    try {
      entry = await readEntry(location);
    } catch (error) {
      const failure = asPatchbayError(error);
      checks.push({ ...base, status: "fail", detail: failure.message, next: failure.next });
      continue;
    }
    if (entry === undefined) {
      checks.push({
        ...base,
        status: "missing",
        detail: "patchbay is not registered here",
        next: `patchbay mcp install ${host}${scopes.length > 1 ? ` --scope ${scope}` : ""}`,
      });
      continue;
    }
    checks.push({ ...base, ...(await checkEntry(host, entry as Record<string, any>, options)) });
  }
  return checks;
}

async function checkEntry(host: HostId, entry: Record<string, any>, options: { root: string; env: Env }): Promise<Omit<HostCheck, "host" | "scope" | "file">> {
  const reinstall = `patchbay mcp install ${host}`;
  const target = hostAdapter(host).target(entry, options.env);
  if (!target) return { status: "fail", detail: "the entry has neither a command nor a url", next: reinstall };
  const probe =
    target.transport === "stdio"
      ? await probeStdio(target.command, target.args, { env: { ...options.env, ...target.env }, cwd: options.root })
      : await probeHttp(target.url, target.headers);
  if (!probe.ok) {
    // Exit 3 is state_owned: a --standalone session found its PATCHBAY_HOME owned; installing it again would change nothing.
    const owned = target.transport === "stdio" && target.args.includes("--standalone") && /\(code 3\)/.test(probe.error ?? "");
    const next = owned
      ? `a --standalone registration needs its PATCHBAY_HOME to itself, and another patchbay owns it: \`${reinstall}\` (without --standalone) shares the running server`
      : `check the registered command or URL, then \`${reinstall}\``;
    return { status: "fail", detail: probe.error ?? "the handshake failed", next };
  }
  const detail = `${probe.server || "server"} answered (protocol ${probe.protocolVersion}), ${probe.tools!.length} tools`;
  const warning = hostAdapter(host).entryWarning?.(entry);
  if (warning) return { status: "warn", detail: `${detail}; ${warning}`, next: reinstall, tools: probe.tools!.length };
  return { status: "ok", detail, tools: probe.tools!.length };
}
