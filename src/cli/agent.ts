/**
 * `patchbay agent --codex|--claude|--gemini NAME@NS`: the MCP config snippet that connects one
 * agent CLI to this server as that agent (HTTP URL plus its bearer header), one flag per install
 * host that can register a remote server.
 */
import { defineCommand } from "citty";
import { loadCheckedConfig } from "../agents/index.ts";
import { patchbayHome } from "../config/index.ts";
import { entrySnippet, HOST_IDS, hostAdapter, hostEntry } from "../connect/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { createIdentities, formatAddress, parseAddress } from "../messaging/index.ts";
import { createRecordStore } from "../state/index.ts";

const TOKEN_ENV = "PATCHBAY_AGENT_TOKEN";

/** The hosts whose file can hold a remote (HTTP) server: one flag each. */
const HOSTS = HOST_IDS.filter((id) => hostAdapter(id).httpEntry);
const TITLES = HOSTS.map((id) => hostAdapter(id).title);

/** Exactly what `patchbay mcp install <host> --http URL` writes, under the host's server table. */
export function agentSnippet(host: (typeof HOSTS)[number], url: string, token: string | undefined): string {
  return entrySnippet(host, hostEntry(host, { transport: "http", url, tokenEnv: TOKEN_ENV, token }));
}

export default defineCommand({
  meta: { name: "agent", description: `Print the MCP config that connects ${TITLES.slice(0, -1).join(", ")} or ${TITLES.at(-1)} to this server as one agent` },
  args: {
    agent: { type: "positional", required: true, description: "NAME@NAMESPACE", valueHint: "AGENT" },
    ...Object.fromEntries(HOSTS.map((id) => [id, { type: "boolean", description: `${hostAdapter(id).title} (${hostAdapter(id).configHint})` } as const])),
    url: { type: "string", description: "The server's /mcp URL (default: from server.host and server.port)", valueHint: "URL" },
    "new-token": { type: "boolean", description: `Issue a new token and put it in the snippet (default: read it from $${TOKEN_ENV})` },
  },
  async run({ args }) {
    const hosts = HOSTS.filter((name) => args[name]);
    if (hosts.length !== 1) throw new PatchbayError("usage", `choose exactly one of ${HOSTS.map((id) => `--${id}`).join(", ")}`);
    const home = patchbayHome();
    const config = await loadCheckedConfig({ home });
    const address = parseAddress(args.agent, "default");
    const url = args.url ?? `http://${config.server.host}:${config.server.port}/mcp`;
    let token: string | undefined;
    const store = await createRecordStore({ home, driver: config.state.driver, redisUrl: config.state.redis_url });
    try {
      const identities = createIdentities(store);
      if (args["new-token"]) token = (await identities.addToken(address, `agent ${hosts[0]}`)).token;
      else if (!(await identities.agent(address))) {
        throw new PatchbayError("agent_not_found", `no agent ${formatAddress(address)}`, {
          next: `create it with \`patchbay token add ${formatAddress(address)}\`, or pass --new-token`,
        });
      }
    } finally {
      await store.close();
    }
    process.stdout.write(agentSnippet(hosts[0]!, url, token));
    if (!token) process.stderr.write(`set ${TOKEN_ENV} to the agent's token (from \`patchbay token add\` or \`token rotate\`)\n`);
    return 0;
  },
});
