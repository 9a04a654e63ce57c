/**
 * `patchbay oauth list|revoke`: the grants web hosts hold (one per consent that was exchanged for
 * tokens). Works on the state directly, like `patchbay token`: a revoked grant's access and
 * refresh tokens are refused from the next request on, by a running server too.
 */
import { defineCommand } from "citty";
import { loadCheckedConfig } from "../agents/index.ts";
import { patchbayHome } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { type ClientView, createOAuthStore, describeAccess, type GrantData, type OAuthStore } from "../oauth/index.ts";
import { createRecordStore } from "../state/index.ts";
import { emit } from "./output.ts";

async function withGrants<T>(fn: (store: OAuthStore) => Promise<T>): Promise<T> {
  const home = patchbayHome();
  const config = await loadCheckedConfig({ home });
  const records = await createRecordStore({ home, driver: config.state.driver, redisUrl: config.state.redis_url });
  try {
    // Lifetimes matter only when issuing; listing and revoking never issue.
    const lifetimes = { accessSeconds: config.oauth.access_token_seconds, refreshSeconds: 0, codeSeconds: 0, loginSeconds: 0 };
    return await fn(createOAuthStore(records, lifetimes, { max: config.oauth.max_clients, unusedSeconds: config.oauth.unused_client_seconds }));
  } finally {
    await records.close();
  }
}

interface GrantView {
  grant_id: string;
  client: string;
  client_id: string;
  access: string;
  created_at: string;
  revoked_at: string | null;
}

const view = (id: string, data: GrantData): GrantView => ({
  grant_id: id,
  client: data.client_name,
  client_id: data.client_id,
  access: describeAccess(data.access),
  created_at: data.created_at,
  revoked_at: data.revoked_at ?? null,
});

const line = (grant: GrantView) =>
  `${grant.grant_id}  ${grant.revoked_at ? "revoked" : "active "}  ${grant.client} (${grant.client_id})  ${grant.access}  since ${grant.created_at}`;

interface ClientLine {
  client_id: string;
  client: string;
  source: string;
  registered_at: string;
  /** When it is removed unless a consent names it first; null while it has an active grant. */
  expires_at: string | null;
}

const clientLine = ({ client, expiresAt }: ClientView): ClientLine => ({
  client_id: client.client_id,
  client: client.client_name,
  source: client.source,
  registered_at: new Date(client.client_id_issued_at * 1000).toISOString(),
  expires_at: expiresAt === undefined ? null : new Date(expiresAt).toISOString(),
});

const clientText = (client: ClientLine) =>
  `${client.client_id}  ${client.client}  registered ${client.registered_at}  ${client.expires_at ? `expires ${client.expires_at} unless approved` : "kept (active grant)"}`;

const json = { json: { type: "boolean", description: "Print as JSON" } } as const;

const list = defineCommand({
  meta: { name: "list", description: "Grants OAuth clients hold (never their tokens), and the clients registered, with their expiry" },
  args: { all: { type: "boolean", description: "Include revoked grants" }, ...json },
  async run({ args }) {
    const { grants, clients } = await withGrants(async (store) => ({
      grants: (await store.grants()).map(({ id, data }) => view(id, data)).filter((grant) => args.all || !grant.revoked_at),
      clients: (await store.clients()).map(clientLine),
    }));
    emit(args.json, { grants, clients }, () =>
      [
        grants.length ? grants.map(line).join("\n") : "no OAuth grants",
        clients.length ? `clients:\n${clients.map(clientText).join("\n")}` : "no OAuth clients",
      ].join("\n\n"),
    );
    return 0;
  },
});

const revoke = defineCommand({
  meta: { name: "revoke", description: "Revoke a grant (its access and refresh tokens), or every grant of a client with --client" },
  args: {
    grant: { type: "positional", required: false, description: "A grant_id from `patchbay oauth list`", valueHint: "GRANT_ID" },
    client: { type: "string", description: "Revoke every grant of this client_id", valueHint: "CLIENT_ID" },
    ...json,
  },
  async run({ args }) {
    if (!args.grant === !args.client)
      throw new PatchbayError("usage", "name one grant (GRANT_ID) or one client (--client CLIENT_ID)", { next: "run `patchbay oauth list` to see both" });
    const revoked = await withGrants(async (store) => {
      const grants = await store.grants();
      const targets = grants.filter(({ id, data }) => !data.revoked_at && (args.grant ? id === args.grant : data.client_id === args.client));
      if (targets.length === 0)
        throw new PatchbayError("oauth_grant_not_found", `no active grant ${args.grant ? args.grant : `of client ${args.client}`}`, {
          next: "run `patchbay oauth list` to see the active grants",
        });
      return Promise.all(targets.map(async ({ id }) => view(id, (await store.revokeGrant(id))!)));
    });
    emit(args.json, revoked, () => revoked.map((grant) => `revoked ${grant.grant_id} (${grant.client}, ${grant.access})`).join("\n"));
    return 0;
  },
});

export default defineCommand({
  meta: { name: "oauth", description: "Grants of OAuth clients (claude.ai, ChatGPT connectors): list and revoke" },
  subCommands: { list, revoke },
});
