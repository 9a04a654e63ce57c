/**
 * `patchbay token add|list|revoke|rotate`: agent identities and their bearer tokens. Works on the
 * state directly (records are locked and atomic), so no server needs to run; a token is printed
 * once and stored only as its hash.
 */
import { defineCommand } from "citty";
import { loadCheckedConfig } from "../agents/index.ts";
import { patchbayHome } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { assertName, createIdentities, formatAddress, parseAddress, type Identities } from "../messaging/index.ts";
import { createRecordStore } from "../state/index.ts";
import { emit } from "./output.ts";

async function withIdentities<T>(fn: (identities: Identities) => Promise<T>): Promise<T> {
  const home = patchbayHome();
  const config = await loadCheckedConfig({ home });
  const store = await createRecordStore({ home, driver: config.state.driver, redisUrl: config.state.redis_url });
  try {
    return await fn(createIdentities(store));
  } finally {
    await store.close();
  }
}

const json = { json: { type: "boolean", description: "Print as JSON" } } as const;

const add = defineCommand({
  meta: { name: "add", description: "Create an agent (NAME in --namespace) and print a new bearer token for it, once" },
  args: {
    name: { type: "positional", required: true, description: "Agent name, or NAME@NAMESPACE", valueHint: "NAME" },
    namespace: { type: "string", description: "Namespace (default: default)", valueHint: "NS" },
    label: { type: "string", description: "A note kept with the token", valueHint: "TEXT" },
    ...json,
  },
  async run({ args }) {
    if (args.namespace !== undefined) assertName(args.namespace, "namespace");
    const address = parseAddress(args.name, args.namespace ?? "default");
    // NAME@NAMESPACE and --namespace both say where: two different answers are a mistake to name, not to choose between.
    if (args.namespace !== undefined && address.namespace !== args.namespace)
      throw new PatchbayError("usage", `${args.name} is in namespace ${address.namespace}, but --namespace says ${args.namespace}`, {
        next: `give the namespace once: \`patchbay token add ${address.name} --namespace ${args.namespace}\` or \`patchbay token add ${args.name}\``,
      });
    const { token, info } = await withIdentities((identities) => identities.addToken(address, args.label));
    emit(args.json, { token, ...info }, () => `${token}\n(agent ${info.agent}, token_id ${info.token_id}; shown once, store it now)`);
    return 0;
  },
});

const list = defineCommand({
  meta: { name: "list", description: "Agent tokens (never the tokens themselves)" },
  args: { namespace: { type: "string", description: "Only this namespace", valueHint: "NS" }, ...json },
  async run({ args }) {
    const tokens = await withIdentities((identities) => identities.listTokens(args.namespace));
    emit(args.json, tokens, () =>
      tokens.length ? tokens.map((t) => `${t.token_id}  ${t.agent.padEnd(30)} ${t.created_at}  ${t.label}`).join("\n") : "no tokens",
    );
    return 0;
  },
});

const revoke = defineCommand({
  meta: { name: "revoke", description: "Revoke every token of NAME@NAMESPACE, or one token by --id" },
  args: {
    agent: { type: "positional", required: false, description: "NAME@NAMESPACE", valueHint: "AGENT" },
    id: { type: "string", description: "A token_id from `token list`", valueHint: "ID" },
    ...json,
  },
  async run({ args }) {
    if (!args.agent && !args.id)
      throw new PatchbayError("usage", "say which tokens to revoke", { next: "pass AGENT (NAME@NAMESPACE) for all of its tokens, or --id ID for one" });
    const address = args.agent ? parseAddress(args.agent, "default") : undefined;
    const revoked = await withIdentities((identities) => identities.revoke({ address, tokenId: args.id }));
    emit(args.json, revoked, () => revoked.map((t) => `revoked ${t.token_id} (${t.agent})`).join("\n"));
    return 0;
  },
});

const rotate = defineCommand({
  meta: { name: "rotate", description: "Revoke an agent's tokens and print a new one, once" },
  args: { agent: { type: "positional", required: true, description: "NAME@NAMESPACE", valueHint: "AGENT" }, ...json },
  async run({ args }) {
    const address = parseAddress(args.agent, "default");
    const { token, info, revoked } = await withIdentities(async (identities) => {
      // Rotating is for an agent that exists: a typo must not quietly create a new identity with a live token.
      if (!(await identities.agent(address)))
        throw new PatchbayError("unknown_agent", `no agent ${formatAddress(address)}: nothing to rotate`, {
          next: `check the name with \`patchbay token list\`, or create the agent and its first token with \`patchbay token add ${formatAddress(address)}\``,
        });
      return identities.rotate(address);
    });
    emit(args.json, { token, ...info, revoked }, () => `${token}\n(agent ${info.agent}, token_id ${info.token_id}; revoked ${revoked.length}; shown once)`);
    return 0;
  },
});

export default defineCommand({
  meta: { name: "token", description: "Agent identities and bearer tokens for agent messaging" },
  subCommands: { add, list, revoke, rotate },
});
