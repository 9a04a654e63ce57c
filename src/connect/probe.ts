import { spawn } from "node:child_process";

/** What an MCP handshake with a registered server found. */
export interface ProbeResult {
  ok: boolean;
  server?: string;
  protocolVersion?: string;
  tools?: string[];
  error?: string;
}

const CLIENT = { name: "patchbay-doctor", version: "1" };
const PROTOCOL = "2025-06-18";

/** Expands `${VAR}` and `$VAR` the way Claude Code and Gemini CLI do in their server definitions. */
export function expandEnv(value: string, env: Record<string, string | undefined>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, braced, bare) => env[braced ?? bare] ?? "");
}

/**
 * Starts `command args` as the host would, sends `initialize`, `notifications/initialized` and
 * `tools/list` over stdio, and stops it.
 */
export function probeStdio(
  command: string,
  args: string[],
  options: { env: Record<string, string | undefined>; cwd: string; timeoutMs?: number },
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let stderr = "";
    let buffer = "";
    let initialized: { serverInfo?: { name?: string; version?: string }; protocolVersion?: string } | undefined;
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["pipe", "pipe", "pipe"] });
    const finish = (result: ProbeResult) => {
      clearTimeout(timer);
      child.stdout.removeAllListeners();
      child.kill("SIGTERM");
      // The probed `patchbay stdio` may have started a background server that outlives it: the person running the probe hears of it.
      const started = /^patchbay: started a background server.*$/m.exec(stderr)?.[0];
      if (started) process.stderr.write(`${started}\n`);
      resolve(result);
    };
    const timer = setTimeout(
      () => finish({ ok: false, error: `no answer within ${(options.timeoutMs ?? 20_000) / 1000} s${tail(stderr)}` }),
      options.timeoutMs ?? 20_000,
    );
    const send = (message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`);
    child.on("error", (error) => finish({ ok: false, error: `cannot start ${command}: ${error.message}` }));
    child.on("exit", (code) => finish({ ok: false, error: `the server exited (code ${code}) before answering${tail(stderr)}` }));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.stdout.on("data", (chunk) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (!line) continue;
        let message: { id?: number; result?: any; error?: { message: string } };
        try {
          message = JSON.parse(line);
        } catch {
          return finish({ ok: false, error: `the server wrote something that is not JSON-RPC on stdout: ${line.slice(0, 120)}` });
        }
        if (message.error)
          return finish({ ok: false, error: `the server answered ${message.id === 1 ? "initialize" : "tools/list"} with an error: ${message.error.message}` });
        if (message.id === 1) {
          initialized = message.result;
          send({ jsonrpc: "2.0", method: "notifications/initialized" });
          send({ jsonrpc: "2.0", id: 2, method: "tools/list", params: {} });
        } else if (message.id === 2) {
          finish(describe(initialized, message.result));
        }
      }
    });
    send({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: CLIENT } });
  });
}

function describe(
  initialized: { serverInfo?: { name?: string; version?: string }; protocolVersion?: string } | undefined,
  list: { tools?: Array<{ name: string }> },
): ProbeResult {
  return {
    ok: true,
    server: [initialized?.serverInfo?.name, initialized?.serverInfo?.version].filter(Boolean).join(" "),
    protocolVersion: initialized?.protocolVersion,
    tools: (list.tools ?? []).map((tool) => tool.name),
  };
}

function tail(stderr: string): string {
  const last = stderr.trim().split("\n").slice(-3).join(" | ");
  return last ? `; stderr: ${last}` : "";
}

/** The same handshake over streamable HTTP (JSON or SSE answers), with the given headers. */
export async function probeHttp(url: string, headers: Record<string, string>, timeoutMs = 15_000): Promise<ProbeResult> {
  const base = { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers };
  const post = async (body: unknown, extra: Record<string, string> = {}) =>
    fetch(url, { method: "POST", headers: { ...base, ...extra }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
  try {
    const first = await post({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: CLIENT } });
    if (!first.ok)
      return {
        ok: false,
        error: `initialize got HTTP ${first.status}${first.status === 401 ? " (the token is missing or wrong)" : first.status === 403 ? " (Host or Origin refused)" : ""}`,
      };
    const init = await rpcResult(first);
    const session: Record<string, string> = { "mcp-protocol-version": init?.protocolVersion ?? PROTOCOL };
    const sessionId = first.headers.get("mcp-session-id");
    if (sessionId) session["mcp-session-id"] = sessionId;
    await post({ jsonrpc: "2.0", method: "notifications/initialized" }, session);
    const list = await post({ jsonrpc: "2.0", id: 2, method: "tools/list", params: {} }, session);
    if (!list.ok) return { ok: false, error: `tools/list got HTTP ${list.status}` };
    return describe(init, await rpcResult(list));
  } catch (error) {
    return { ok: false, error: `cannot reach ${url}: ${(error as Error).message}` };
  }
}

async function rpcResult(response: Response): Promise<any> {
  const text = await response.text();
  const payloads = (response.headers.get("content-type") ?? "").includes("text/event-stream")
    ? text
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).trim())
    : [text];
  for (const payload of payloads) {
    try {
      const message = JSON.parse(payload);
      if (message.error) throw new Error(message.error.message);
      if (message.result) return message.result;
    } catch (error) {
      if (error instanceof SyntaxError) continue;
      throw error;
    }
  }
  return undefined;
}
