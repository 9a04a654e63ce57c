/**
 * The authorization server's records: clients, grants (one per consent that was exchanged for
 * tokens) and secrets (codes, access and refresh tokens, operator logins), each secret stored as
 * its sha256 only. One-time secrets (codes, refresh tokens) are spent under the record's lock, so
 * two racing requests cannot both use one; a second use revokes the whole grant (RFC 9700 §4.14).
 */
import { randomBytes } from "node:crypto";
import type { RecordStore } from "../state/index.ts";
import type { Access } from "./access.ts";
import { hashSecret, newSecret } from "./secrets.ts";

export interface ClientData {
  client_id: string;
  client_name: string;
  redirect_uris: string[];
  token_endpoint_auth_method: "none" | "client_secret_post" | "client_secret_basic";
  /** sha256 of the client secret, for confidential clients. */
  secret_hash?: string;
  /** `registration` (RFC 7591) or `metadata_document` (a URL-shaped client_id). */
  source: "registration" | "metadata_document";
  client_id_issued_at: number;
  /** When a consent last named this client (epoch seconds): it restarts the unused window. */
  consented_at?: number;
}

export interface GrantData {
  client_id: string;
  client_name: string;
  access: Access;
  created_at: string;
  revoked_at?: string;
}

interface CodeData {
  kind: "code";
  client_id: string;
  client_name: string;
  access: Access;
  redirect_uri: string;
  code_challenge: string;
  resource?: string;
  expires_at: number;
  /** Set when the code was exchanged: the grant it created, revoked if the code comes back. */
  grant_id?: string;
}

interface TokenData {
  kind: "access" | "refresh";
  grant_id: string;
  expires_at: number;
  /** A refresh token is spent once; the next one replaces it. */
  spent?: boolean;
}

interface LoginData {
  kind: "login";
  expires_at: number;
  /** sha256 of the operator token logged in with: a changed token ends every login. */
  token_hash: string;
}

type SecretData = CodeData | TokenData | LoginData;

export type NewCode = Omit<CodeData, "kind" | "expires_at" | "grant_id">;

export interface IssuedTokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  grant_id: string;
}

export interface Lifetimes {
  accessSeconds: number;
  refreshSeconds: number;
  codeSeconds: number;
  loginSeconds: number;
}

/** oauth.max_clients and oauth.unused_client_seconds. */
export interface ClientLimits {
  max: number;
  unusedSeconds: number;
}

export interface ClientView {
  client: ClientData;
  /** When it is removed unless a consent names it first (ms); undefined while it has a live grant. */
  expiresAt: number | undefined;
}

const now = () => Date.now();

/** Client records are keyed by the client_id's hash: a URL-shaped client_id is not a safe record id. */
const clientKey = (clientId: string) => hashSecret(`client:${clientId}`);

export function createOAuthStore(store: RecordStore, lifetimes: Lifetimes, limits: ClientLimits) {
  async function putSecret(kind: "code" | "access" | "refresh" | "login", data: SecretData): Promise<string> {
    const secret = newSecret(kind);
    await store.put<SecretData>("oauth_secret", hashSecret(secret), data);
    return secret;
  }

  async function secret(value: string): Promise<SecretData | undefined> {
    if (!/^pbo[acrl]_[A-Za-z0-9_-]{43}$/.test(value)) return undefined;
    const record = await store.get<SecretData>("oauth_secret", hashSecret(value));
    return record && record.data.expires_at > now() ? record.data : undefined;
  }

  /** Marks a one-time secret used under its lock; answers what it held and whether it was already used. */
  async function spend<T extends CodeData | TokenData>(value: string, mark: (data: T) => T, used: (data: T) => boolean) {
    if (!(await secret(value))) return undefined;
    let before: T | undefined;
    await store.update<SecretData>("oauth_secret", hashSecret(value), (current) => {
      before = current?.data as T | undefined;
      // Swept in between: write an expired tombstone, which the next sweep removes.
      if (!before) return { kind: "login", expires_at: 0, token_hash: "" };
      return used(before) ? before : mark(before);
    });
    return before && { data: before, reused: used(before) };
  }

  const unusedUntil = (client: ClientData) => ((client.consented_at ?? client.client_id_issued_at) + limits.unusedSeconds) * 1000;

  async function liveGrantClients(): Promise<Set<string>> {
    return new Set((await store.list<GrantData>("oauth_grant")).filter((record) => !record.data.revoked_at).map((record) => record.data.client_id));
  }

  async function clients(): Promise<ClientView[]> {
    const kept = await liveGrantClients();
    return (await store.list<ClientData>("oauth_client")).map(({ data }) => ({
      client: data,
      expiresAt: kept.has(data.client_id) ? undefined : unusedUntil(data),
    }));
  }

  /** Removes clients without a live grant whose unused window is over; answers how many went. */
  async function removeUnusedClients(): Promise<number> {
    let removed = 0;
    for (const { client, expiresAt } of await clients())
      if (expiresAt !== undefined && expiresAt <= now() && (await store.remove("oauth_client", clientKey(client.client_id)))) removed++;
    return removed;
  }

  async function grant(id: string): Promise<GrantData | undefined> {
    return (await store.get<GrantData>("oauth_grant", id))?.data;
  }

  async function issueTokens(grantId: string): Promise<IssuedTokens> {
    const access_token = await putSecret("access", { kind: "access", grant_id: grantId, expires_at: now() + lifetimes.accessSeconds * 1000 });
    const refresh_token = await putSecret("refresh", { kind: "refresh", grant_id: grantId, expires_at: now() + lifetimes.refreshSeconds * 1000 });
    return { access_token, refresh_token, expires_in: lifetimes.accessSeconds, grant_id: grantId };
  }

  async function revokeGrant(id: string): Promise<GrantData | undefined> {
    if (!(await grant(id))) return undefined;
    const updated = await store.update<GrantData>("oauth_grant", id, (current) => ({
      ...current!.data,
      revoked_at: current!.data.revoked_at ?? new Date().toISOString(),
    }));
    return updated.data;
  }

  return {
    /**
     * Stores a client, keeping its last consent; false (nothing stored) when it is new and
     * oauth.max_clients are kept even after the unused ones went. Under one lock, so racing
     * registrations cannot pass the cap together.
     */
    saveClient: (client: ClientData): Promise<boolean> =>
      store.withLock("oauth-clients", async () => {
        const key = clientKey(client.client_id);
        const known = await store.get<ClientData>("oauth_client", key);
        if (!known && (await store.ids("oauth_client")).length >= limits.max) {
          await removeUnusedClients();
          if ((await store.ids("oauth_client")).length >= limits.max) return false;
        }
        const consented_at = client.consented_at ?? known?.data.consented_at;
        await store.put<ClientData>("oauth_client", key, { ...client, ...(consented_at !== undefined && { consented_at }) });
        return true;
      }),
    /** A kept client; one whose unused window is over (and that has no live grant) is removed and unknown. */
    async client(clientId: string): Promise<ClientData | undefined> {
      const found = (await store.get<ClientData>("oauth_client", clientKey(clientId)))?.data;
      if (!found || unusedUntil(found) > now() || (await liveGrantClients()).has(clientId)) return found;
      await store.remove("oauth_client", clientKey(clientId));
      return undefined;
    },
    clients,

    issueCode: (code: NewCode) => putSecret("code", { ...code, kind: "code", expires_at: now() + lifetimes.codeSeconds * 1000 }),

    /**
     * Exchanges a code for a new grant and its first tokens. A code presented twice revokes the
     * grant the first exchange created; `check` refuses a code (wrong client, redirect or verifier)
     * before it is spent, so a wrong verifier cannot burn the real client's code.
     */
    async exchangeCode(code: string, check: (data: CodeData) => string | undefined): Promise<IssuedTokens | { refused: string }> {
      const held = await secret(code);
      if (held?.kind !== "code") return { refused: "unknown or expired authorization code" };
      const why = check(held);
      if (why) return { refused: why };
      const grantId = `g${randomBytes(12).toString("hex")}`;
      const spent = await spend<CodeData>(
        code,
        (data) => ({ ...data, grant_id: grantId }),
        (data) => data.grant_id !== undefined,
      );
      if (!spent) return { refused: "unknown or expired authorization code" };
      if (spent.reused) {
        await revokeGrant(spent.data.grant_id!);
        return { refused: "the authorization code was already used; the tokens it gave are revoked" };
      }
      const { client_id, client_name, access } = spent.data;
      await store.put<GrantData>("oauth_grant", grantId, { client_id, client_name, access, created_at: new Date().toISOString() });
      return issueTokens(grantId);
    },

    /** A new token pair for a refresh token, which is spent; a spent one coming back revokes its grant. */
    async refresh(refreshToken: string, clientId: string): Promise<IssuedTokens | { refused: string }> {
      const held = await secret(refreshToken);
      if (held?.kind !== "refresh") return { refused: "unknown or expired refresh token" };
      const owner = await grant(held.grant_id);
      if (!owner || owner.revoked_at) return { refused: "the grant of this refresh token was revoked" };
      if (owner.client_id !== clientId) return { refused: "the refresh token was issued to another client" };
      const spent = await spend<TokenData>(
        refreshToken,
        (data) => ({ ...data, spent: true }),
        (data) => data.spent === true,
      );
      if (!spent) return { refused: "unknown or expired refresh token" };
      if (spent.reused) {
        await revokeGrant(held.grant_id);
        return { refused: "the refresh token was already used; every token of this grant is revoked" };
      }
      return issueTokens(held.grant_id);
    },

    /** The live grant behind an access token, with its id. */
    async accessGrant(accessToken: string): Promise<{ id: string; grant: GrantData; expiresAt: number } | undefined> {
      const held = await secret(accessToken);
      if (held?.kind !== "access") return undefined;
      const found = await grant(held.grant_id);
      return found && !found.revoked_at ? { id: held.grant_id, grant: found, expiresAt: held.expires_at } : undefined;
    },

    /** RFC 7009: an access or refresh token of `clientId` revokes its whole grant. Unknown tokens are no error. */
    async revokeToken(token: string, clientId: string): Promise<void> {
      const held = await secret(token);
      if (held?.kind !== "access" && held?.kind !== "refresh") return;
      if ((await grant(held.grant_id))?.client_id === clientId) await revokeGrant(held.grant_id);
    },

    revokeGrant,
    async grants(): Promise<Array<{ id: string; data: GrantData }>> {
      return (await store.list<GrantData>("oauth_grant")).map((record) => ({ id: record.id, data: record.data }));
    },

    /** A new login with this operator token: the value of its cookie. */
    login: (operatorToken: string) =>
      putSecret("login", { kind: "login", expires_at: now() + lifetimes.loginSeconds * 1000, token_hash: hashSecret(operatorToken) }),
    /** Whether the cookie is a live login made with the current operator token. */
    async isLogin(cookie: string, operatorToken: string): Promise<boolean> {
      const held = await secret(cookie);
      return held?.kind === "login" && held.token_hash === hashSecret(operatorToken);
    },

    /** Removes expired secrets, unused clients and grants revoked over a day ago; answers how many went. */
    async sweep(): Promise<number> {
      let removed = await removeUnusedClients();
      for (const record of await store.list<SecretData>("oauth_secret"))
        if (record.data.expires_at <= now() && (await store.remove("oauth_secret", record.id))) removed++;
      const dayAgo = now() - 24 * 3600 * 1000;
      for (const record of await store.list<GrantData>("oauth_grant"))
        if (record.data.revoked_at && Date.parse(record.data.revoked_at) < dayAgo && (await store.remove("oauth_grant", record.id))) removed++;
      return removed;
    },
  };
}

export type OAuthStore = ReturnType<typeof createOAuthStore>;
