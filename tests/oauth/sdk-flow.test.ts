/**
 * The MCP SDK client's own OAuth flow against the real binary on 127.0.0.1: it finds the
 * authorization server from the 401, registers itself, sends the operator's browser (here: fetch)
 * to the consent page, exchanges the code with PKCE, and then calls tools as the agent the
 * operator picked. Nothing in the flow is patchbay-specific on the client's side.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Client, StreamableHTTPClientTransport, UnauthorizedError } from "@modelcontextprotocol/client";
import { connectHttp } from "../support/clients.ts";
import { removeTempDirs, runPatchbay } from "../support/patchbay.ts";
import { ConsentingProvider } from "./sdk-provider.ts";
import { OPERATOR_TOKEN, type OAuthServer, startOAuthServer } from "./support.ts";

let server: OAuthServer;
let agentTokens: Record<string, string>;
beforeAll(async () => {
  ({ server, agentTokens } = await startOAuthServer({
    agents: ["alice@team", "bob@team"],
    configToml: '[logging]\naccess_log = true\nlevel = "debug"\n',
    args: ["--bash-mode", "safe"],
  }));
});
afterAll(async () => {
  await server?.stop();
  removeTempDirs();
});

/** Connects the SDK client, taking the 401 → consent → finishAuth → reconnect path a host takes. */
async function connectWithOAuth(choice: Record<string, string>): Promise<{ client: Client; provider: ConsentingProvider }> {
  const provider = new ConsentingProvider(choice);
  const first = new Client({ name: "sdk-oauth", version: "1" });
  const transport = new StreamableHTTPClientTransport(new URL(server.url), { authProvider: provider });
  const refused = await first.connect(transport).catch((error: unknown) => error);
  expect(refused).toBeInstanceOf(UnauthorizedError);
  expect(provider.callback?.searchParams.get("code")).toStartWith("pboc_");
  await transport.finishAuth(provider.callback!.searchParams);
  const client = new Client({ name: "sdk-oauth", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { authProvider: provider }));
  return { client, provider };
}

const structuredOk = (result: { isError?: boolean; content?: unknown }) => {
  if (result.isError) throw new Error(JSON.stringify(result.content));
};

const structured = <T>(result: unknown) => {
  const r = result as { isError?: boolean; structuredContent?: T; content?: unknown };
  if (r.isError) throw new Error(JSON.stringify(r.content));
  return r.structuredContent as T;
};

test("a 401 names the protected-resource metadata, which names this server as the authorization server", async () => {
  const refused = await fetch(server.url, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  expect(refused.status).toBe(401);
  const metadataUrl = /resource_metadata="([^"]+)"/.exec(refused.headers.get("www-authenticate") ?? "")?.[1];
  expect(metadataUrl).toBe(`${server.origin}/.well-known/oauth-protected-resource/mcp`);
  const resource = (await (await fetch(metadataUrl!)).json()) as { resource: string; authorization_servers: string[] };
  expect(resource).toMatchObject({ resource: server.url, authorization_servers: [server.origin] });
  const as = (await (await fetch(`${server.origin}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
  expect(as).toMatchObject({
    issuer: server.origin,
    code_challenge_methods_supported: ["S256"],
    client_id_metadata_document_supported: true,
    registration_endpoint: `${server.origin}/oauth/register`,
    revocation_endpoint: `${server.origin}/oauth/revoke`,
  });
});

test("the SDK client signs in through the consent page as agent alice: it gets the agent's tools and sends as alice", async () => {
  const { client, provider } = await connectWithOAuth({ identity: "agent:alice@team" });
  // Exactly what alice's own agent token sees: messaging tools, no workspace, job or worker tools.
  const viaToken = await connectHttp("v2-legacy", server.url, { token: agentTokens["alice@team"]! });
  const tokenTools = (await viaToken.listToolNames()).sort();
  await viaToken.close();
  const oauthTools = (await client.listTools()).tools.map((tool) => tool.name).sort();
  expect(oauthTools).toEqual(tokenTools);
  expect(oauthTools).toContain("send_message");

  structured(await client.callTool({ name: "send_message", arguments: { to: "bob", content: "hello from the web host" } }));
  // Bob reads it with his own (unchanged) agent token: it is from alice.
  const bob = await connectHttp("v1", server.url, { token: agentTokens["bob@team"]! });
  const inbox = structured<{ pending: Array<{ from: string; content: string }> }>(await bob.callTool("inbox"));
  await bob.close();
  expect(inbox.pending).toContainEqual(expect.objectContaining({ from: "alice@team", content: "hello from the web host" }));
  // The operator token keeps working beside OAuth, and sees workspace tools the agent grant does not.
  const operator = await connectHttp("v1", server.url, { token: OPERATOR_TOKEN });
  const operatorTools = await operator.listToolNames();
  await operator.close();
  expect(operatorTools).toContain("codex_read_file");
  expect(oauthTools).not.toContain("codex_read_file");
  await client.close();

  // Secrets never reach the logs, the audit log or the state: only their hashes are kept.
  const secrets = [provider.saved!.access_token, provider.saved!.refresh_token!, provider.callback!.searchParams.get("code")!];
  expect(secrets.every((secret) => /^pbo[arc]_/.test(secret))).toBe(true);
  // The server is still running (an inbox's read receipts are folded in after its answer), so a temp file may be
  // renamed away between the listing and the read: what it held is then read under its final name.
  const gone = (error: unknown) => (error as { code?: string }).code === "ENOENT";
  const readIfThere = (file: string): string[] => {
    try {
      return statSync(file).isDirectory() ? readdirSync(file).flatMap((name) => readIfThere(join(file, name))) : [readFileSync(file, "utf8")];
    } catch (error) {
      if (gone(error)) return [];
      throw error;
    }
  };
  const texts = [server.stderr(), ...readIfThere(server.home)];
  expect(server.stderr()).toContain("POST /oauth/token 200");
  for (const secret of secrets) expect(texts.filter((text) => text.includes(secret))).toEqual([]);
});

test("an operator grant holds only what the operator ticked, never more than the server has", async () => {
  // The server runs with bash_mode "safe". The operator token has the `bash` tool (in full mode).
  const operator = await connectHttp("v1", server.url, { token: OPERATOR_TOKEN });
  structuredOk(await operator.callTool("codex_tool_mode_switch", { mode: "full" }));
  expect(await operator.listToolNames()).toContain("bash");
  await operator.close();

  // A grant with bash left unticked: no `bash`, and a call is refused for the missing capability.
  const { client, provider } = await connectWithOAuth({ identity: "operator", mode: "full" });
  const tools = (await client.listTools()).tools.map((tool) => tool.name);
  expect(tools).toContain("codex_tool_mode_switch");
  expect(tools).not.toContain("bash");
  const refused = (await client.callTool({ name: "bash", arguments: { command: "pwd" } })) as { isError?: boolean; _meta?: Record<string, unknown> };
  expect(refused.isError).toBe(true);
  expect(refused._meta?.["patchbay/error"]).toMatchObject({ code: "tool_disabled" });
  await client.close();
  // The 2026-07-28 era (no sessions: one state per principal) gives the grant the same narrowed view.
  const modern = await connectHttp("v2-modern", server.url, { token: provider.saved!.access_token });
  expect(await modern.listToolNames()).not.toContain("bash");
  await modern.close();

  // A forged `bash=full` (the form offers only "safe") is capped to what the server has.
  const forged = await connectWithOAuth({ identity: "operator", mode: "worker", bash: "full" });
  await forged.client.close();
  const listed = await runPatchbay(["oauth", "list", "--json"], { home: server.home });
  const accesses = (JSON.parse(listed.stdout) as { grants: Array<{ access: string }> }).grants.map((grant) => grant.access);
  expect(accesses).toContain("operator (full mode; no power tools)");
  expect(accesses).toContain("operator (worker mode; bash safe)");
});
