import type { Config } from "../config/index.ts";
import { entrySnippet, HOST_IDS, hostEntry, type Registration } from "../connect/index.ts";
import { REDACTED } from "../redact/index.ts";
import { selfCommand } from "../runtime/index.ts";

export interface SetupGuide {
  /** The URL a host on this machine uses (a wildcard listen read as loopback). */
  server_url: string;
  /** The address and port the server listens on, as bound: `0.0.0.0:8000` listens on every interface. */
  listen: string;
  /** The URL a host on another machine uses: server.public_url (or the tunnel's), else the listener itself when it is neither loopback nor a wildcard. */
  remote_url: string | null;
  tool_mode: string;
  allowed_roots: string[];
  auth: { required: boolean; token_env: string; token_set: boolean; token: string | null; query_token_allowed: boolean };
  power_tools: Config["power_tools"];
  tunnel: { mode: string; public_url: string | null };
  hosts: Record<string, string>;
  chatgpt: { connector_url: string | null; steps: string[] };
}

export interface GuideOptions {
  revealToken: boolean;
  /** The tunnel's public origin (https://…), when one is up. */
  publicUrl?: string;
  tunnelMode?: string;
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * What a person needs to connect a host: the URL, the auth choice, the tool mode, the exact
 * snippet for each host, and the ChatGPT developer-mode steps. The token itself appears only
 * when `revealToken` is set.
 */
/** The listener's URL as a local host can use it: a wildcard bind (0.0.0.0, ::) is reached at loopback. */
function localUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.hostname === "0.0.0.0") parsed.hostname = "127.0.0.1";
  else if (parsed.hostname === "[::]") parsed.hostname = "[::1]";
  return parsed.href;
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || hostname.startsWith("127.");
}

export function setupGuide(config: Config, listenerUrl: string, token: string | undefined, options: GuideOptions | boolean): SetupGuide {
  const given = typeof options === "boolean" ? { revealToken: options } : options;
  const { revealToken, tunnelMode } = given;
  // A tunnel's URL, else server.public_url: what a remote host reaches; never the wildcard listen address.
  const publicUrl = (given.publicUrl ?? config.server.public_url).replace(/\/+$/, "") || undefined;
  const url = localUrl(listenerUrl);
  const tokenEnv = config.auth.token_env;
  const bearer = token ? ` --header "Authorization: Bearer $${tokenEnv}"` : "";
  const stdio = [...selfCommand(), "stdio", ...(config.repositories.default ? ["--root", config.repositories.default] : [])].map(shellQuote).join(" ");
  // What `patchbay mcp install codex|gemini --http URL` writes (no token variable when the server takes none).
  const remote: Registration = { transport: "http", url, ...(token !== undefined && { tokenEnv }) };
  const shownToken = token === undefined ? null : revealToken ? token : REDACTED;
  const connectorUrl =
    publicUrl && token ? `${publicUrl}/mcp?patchbay_token=${revealToken ? encodeURIComponent(token) : REDACTED}` : publicUrl ? `${publicUrl}/mcp` : null;
  const listener = new URL(listenerUrl);
  return {
    server_url: url,
    listen: listener.host,
    // A wildcard listen has no one address a remote host could use; a loopback one has none at all.
    remote_url: publicUrl ? `${publicUrl}/mcp` : url !== listener.href || isLoopback(listener.hostname) ? null : url,
    tool_mode: config.app.tool_mode,
    allowed_roots: config.repositories.allowed,
    auth: {
      required: token !== undefined,
      token_env: tokenEnv,
      token_set: token !== undefined,
      token: shownToken,
      query_token_allowed: config.auth.allow_query_token,
    },
    power_tools: config.power_tools,
    tunnel: { mode: tunnelMode ?? config.tunnel_mode, public_url: publicUrl ?? null },
    hosts: {
      claude_code: `claude mcp add --transport http patchbay ${url}${bearer}`,
      codex: entrySnippet("codex", hostEntry("codex", remote)).trimEnd(),
      gemini: JSON.stringify({ mcpServers: { patchbay: hostEntry("gemini", remote) } }),
      stdio_any_host: stdio,
      install: `patchbay mcp install ${HOST_IDS.join("|")} (writes the host's own config; --dry-run shows the change)`,
      chatgpt: `ChatGPT developer mode needs a public HTTPS URL: expose ${url} through a tunnel, then add <public URL>/mcp${token ? `?patchbay_token=<token from ${tokenEnv}>` : ""} as a connector`,
    },
    chatgpt: { connector_url: connectorUrl, steps: chatgptSteps(connectorUrl, tokenEnv, revealToken) },
  };
}

/** The ChatGPT developer-mode steps, with the connector URL when a tunnel is up. */
function chatgptSteps(connectorUrl: string | null, tokenEnv: string, revealToken: boolean): string[] {
  const url = connectorUrl
    ? connectorUrl.includes(REDACTED) && !revealToken
      ? `${connectorUrl} (run again with --reveal-token to see the token; it is the value of ${tokenEnv})`
      : connectorUrl
    : "<public https URL>/mcp?patchbay_token=<the value of " + tokenEnv + ">";
  return [
    "Give patchbay a public HTTPS URL: OpenAI's Secure MCP Tunnel " +
      "(`tunnel-client`, an outbound-only client ChatGPT developer mode supports; `patchbay doctor` checks for it) where your workspace offers it, " +
      `or \`${tokenEnv}=$(openssl rand -hex 32) patchbay start --tunnel-mode cloudflare\` ` +
      "(ngrok: --tunnel-mode ngrok; your own: --tunnel-mode custom --public-url URL). No token, no tunnel.",
    "In ChatGPT: Settings → Apps & Connectors → Advanced → turn on Developer mode.",
    "Settings → Apps & Connectors → Create: name it patchbay.",
    `MCP server URL: ${url}`,
    "Authentication: none (the token in the URL is the credential; keep the URL private).",
    'In a new chat, pick Developer mode, enable patchbay, and ask: "Call codex_self_test, then codex_open_workspace."',
  ];
}

export function printGuide(guide: SetupGuide, listening: boolean): string {
  const auth = guide.auth.required
    ? `bearer token from $${guide.auth.token_env} (${guide.auth.token})${guide.auth.query_token_allowed ? `; ?patchbay_token= also accepted` : ""}`
    : "none (loopback only)";
  const bound = new URL(`http://${guide.listen}`);
  // A wildcard listen is shown as bound, beside the URL this machine uses: the loopback URL alone hid the exposure.
  const heading =
    new URL(guide.server_url).host === guide.listen
      ? `patchbay ${listening ? "is serving" : "would serve"} MCP at ${guide.server_url}`
      : `patchbay ${listening ? "listens" : "would listen"} on ${guide.listen} (every interface); from this machine: ${guide.server_url}`;
  const remote =
    isLoopback(bound.hostname) || guide.remote_url === guide.server_url
      ? []
      : [`  remote:     ${guide.remote_url ?? `http://<this machine's address>:${bound.port}/mcp (set server.public_url to the URL remote hosts use)`}`];
  return [
    heading,
    ...remote,
    `  auth:       ${auth}`,
    `  tool mode:  ${guide.tool_mode}`,
    guide.tunnel.mode === "none" && guide.tunnel.public_url
      ? `  public URL: ${guide.tunnel.public_url} (server.public_url; no tunnel)`
      : `  tunnel:     ${guide.tunnel.mode}${guide.tunnel.public_url ? ` → ${guide.tunnel.public_url}` : ""}`,
    `  roots:      ${guide.allowed_roots.join(", ") || "none (pass --root DIR)"}`,
    "",
    "Connect a host (or let `patchbay mcp install HOST` write its config):",
    `  Claude Code: ${guide.hosts.claude_code}`,
    `  Codex CLI:`,
    ...guide.hosts.codex!.split("\n").map((line) => `    ${line}`),
    `  Gemini CLI (settings.json): ${guide.hosts.gemini}`,
    `  Any stdio host: ${guide.hosts.stdio_any_host}`,
    "",
    "ChatGPT (developer mode):",
    ...guide.chatgpt.steps.map((step, index) => `  ${index + 1}. ${step}`),
  ].join("\n");
}
