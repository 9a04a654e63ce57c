/**
 * `patchbay agent --codex|--claude|--gemini NAME@NS`: the MCP config snippet that connects one
 * agent CLI to this server as that agent (HTTP URL plus its bearer header).
 */
import { defineCommand } from "citty";
import { loadConfig, patchbayHome } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { createIdentities, formatAddress, parseAddress } from "../messaging/index.ts";
import { createRecordStore } from "../state/index.ts";

const TOKEN_ENV = "PATCHBAY_AGENT_TOKEN";

export function agentSnippet(host: "codex" | "claude" | "gemini", url: string, token: string | undefined): string {
  const bearer = token ?? `\${${TOKEN_ENV}}`;
  if (host === "codex") {
    // Codex reads the token from an environment variable instead of the file.
    const auth = token ? `http_headers = { Authorization = "Bearer ${token}" }` : `bearer_token_env_var = "${TOKEN_ENV}"`;
    return `# ~/.codex/config.toml\n[mcp_servers.patchbay]\nurl = "${url}"\n${auth}\n`;
  }
  if (host === "claude") {
    return `${JSON.stringify({ mcpServers: { patchbay: { type: "http", url, headers: { Authorization: `Bearer ${bearer}` } } } }, null, 2)}\n`;
  }
  return `${JSON.stringify({ mcpServers: { patchbay: { httpUrl: url, headers: { Authorization: `Bearer ${bearer}` } } } }, null, 2)}\n`;
}

export default defineCommand({
  meta: { name: "agent", description: "Print the MCP config that connects Codex, Claude Code or Gemini CLI to this server as one agent" },
  args: {
    agent: { type: "positional", required: true, description: "NAME@NAMESPACE", valueHint: "AGENT" },
    codex: { type: "boolean", description: "Codex (~/.codex/config.toml)" },
    claude: { type: "boolean", description: "Claude Code (.mcp.json)" },
    gemini: { type: "boolean", description: "Gemini CLI (settings.json)" },
    url: { type: "string", description: "The server's /mcp URL (default: from server.host and server.port)", valueHint: "URL" },
    "new-token": { type: "boolean", description: `Issue a new token and put it in the snippet (default: read it from $${TOKEN_ENV})` },
  },
  async run({ args }) {
    const hosts = (["codex", "claude", "gemini"] as const).filter((name) => args[name]);
    if (hosts.length !== 1) throw new PatchbayError("usage", "choose exactly one of --codex, --claude, --gemini");
    const home = patchbayHome();
    const config = await loadConfig({ home });
    const address = parseAddress(args.agent, "default");
    const url = args.url ?? `http://${config.server.host}:${config.server.port}/mcp`;
    let token: string | undefined;
    const store = await createRecordStore({ home, driver: config.state.driver, redisUrl: config.state.redis_url });
    try {
      const identities = createIdentities(store);
      if (args["new-token"]) token = (await identities.addToken(address, `agent ${hosts[0]}`)).token;
      else if (!(await identities.agent(address))) {
        throw new PatchbayError("agent_not_found", `no agent ${formatAddress(address)}`, { next: `create it with \`patchbay token add ${formatAddress(address)}\`, or pass --new-token` });
      }
    } finally {
      await store.close();
    }
    process.stdout.write(agentSnippet(hosts[0]!, url, token));
    if (!token) process.stderr.write(`set ${TOKEN_ENV} to the agent's token (from \`patchbay token add\` or \`token rotate\`)\n`);
    return 0;
  },
});
