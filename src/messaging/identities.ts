/**
 * Agent identities and their bearer tokens. A token is shown once and stored only as its sha256,
 * which is also its record id, so authenticating a request is one keyed read.
 */
import { createHash, randomBytes } from "node:crypto";
import { PatchbayError } from "../errors/index.ts";
import type { RecordStore } from "../state/index.ts";
import { agentId, assertName, formatAddress, type AgentAddress } from "./names.ts";

export const TOKEN_PREFIX = "pbt_";

export interface AgentData {
  name: string;
  namespace: string;
  created_at: string;
  last_seen?: string;
}

export interface TokenData {
  name: string;
  namespace: string;
  label: string;
  created_at: string;
}

/** What `token list` shows: never the token, only the first characters of its hash. */
export interface TokenInfo {
  token_id: string;
  agent: string;
  label: string;
  created_at: string;
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function newToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
}

function info(hash: string, data: TokenData): TokenInfo {
  return { token_id: hash.slice(0, 12), agent: formatAddress(data), label: data.label, created_at: data.created_at };
}

export interface Identities {
  /** Creates the agent if needed and a new token for it; the token is in the answer only. */
  addToken(address: AgentAddress, label?: string): Promise<{ token: string; info: TokenInfo }>;
  listTokens(namespace?: string): Promise<TokenInfo[]>;
  /** Revokes every token of an agent (`name@ns`) or the one whose token_id is given. */
  revoke(target: { address?: AgentAddress; tokenId?: string }): Promise<TokenInfo[]>;
  /** Revokes the agent's tokens and issues one new one. */
  rotate(address: AgentAddress, label?: string): Promise<{ token: string; info: TokenInfo; revoked: TokenInfo[] }>;
  /** The agent a presented token belongs to, with the token's hash (the rate limit key). */
  verify(token: string): Promise<{ address: AgentAddress; hash: string } | undefined>;
  agent(address: AgentAddress): Promise<AgentData | undefined>;
  /** The agents of `namespace`, or of every namespace when it is left out. */
  agents(namespace?: string): Promise<AgentData[]>;
}

export function createIdentities(store: RecordStore): Identities {
  async function ensureAgent(address: AgentAddress): Promise<void> {
    await store.update<AgentData>("agent", agentId(address), (current) => current?.data ?? { ...address, created_at: new Date().toISOString() });
  }

  async function addToken(address: AgentAddress, label = "") {
    assertName(address.name, "agent name");
    assertName(address.namespace, "namespace");
    await ensureAgent(address);
    const token = newToken();
    const hash = hashToken(token);
    const data: TokenData = { ...address, label, created_at: new Date().toISOString() };
    await store.put<TokenData>("token", hash, data);
    return { token, info: info(hash, data) };
  }

  async function all(): Promise<Array<{ hash: string; data: TokenData }>> {
    return (await store.list<TokenData>("token")).map((record) => ({ hash: record.id, data: record.data }));
  }

  async function revoke(target: { address?: AgentAddress; tokenId?: string }) {
    const { address, tokenId } = target;
    if (tokenId !== undefined && tokenId.length < 6) {
      throw new PatchbayError("invalid_token_id", "a token id needs at least 6 characters", { next: "copy the token_id from `patchbay token list`" });
    }
    const matches = (await all()).filter(
      ({ hash, data }) => (address ? data.name === address.name && data.namespace === address.namespace : true) && (tokenId ? hash.startsWith(tokenId) : true),
    );
    if (matches.length === 0) {
      throw new PatchbayError("token_not_found", `no token matches ${address ? formatAddress(address) : tokenId}`, { next: "see `patchbay token list`" });
    }
    for (const { hash } of matches) await store.remove("token", hash);
    return matches.map(({ hash, data }) => info(hash, data));
  }

  return {
    addToken,
    async listTokens(namespace) {
      return (await all()).filter(({ data }) => namespace === undefined || data.namespace === namespace).map(({ hash, data }) => info(hash, data));
    },
    revoke,
    async rotate(address, label) {
      const revoked = await revoke({ address }).catch((error: unknown) => {
        if (error instanceof PatchbayError && error.code === "token_not_found") return [];
        throw error;
      });
      return { ...(await addToken(address, label ?? revoked[0]?.label)), revoked };
    },
    async verify(token) {
      if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
      const hash = hashToken(token);
      const record = await store.get<TokenData>("token", hash);
      return record ? { address: { name: record.data.name, namespace: record.data.namespace }, hash } : undefined;
    },
    async agent(address) {
      return (await store.get<AgentData>("agent", agentId(address)))?.data;
    },
    async agents(namespace) {
      return (await store.list<AgentData>("agent")).map((record) => record.data).filter((agent) => namespace === undefined || agent.namespace === namespace);
    },
  };
}
