/**
 * The agent the operator acts as (`as` of a messaging tool). Its address is NAME@NAMESPACE; a bare
 * NAME is enough while one agent has it, and a name no agent has is refused with the agents most
 * likely meant, so a caller's next try is right instead of a round of `presence`.
 */
import { likelyMeant, PatchbayError } from "../errors/index.ts";
import type { Identities } from "./identities.ts";
import { type AgentAddress, formatAddress, isName, parseAddress } from "./names.ts";

/**
 * `as` → the agent it names, which must exist.
 *
 * @example
 * await operatorActsAs(identities, "alice"); // { name: "alice", namespace: "team" } when only team has an alice
 */
export async function operatorActsAs(identities: Identities, as: string): Promise<AgentAddress> {
  const bare = !as.includes("@") && isName(as.trim());
  if (!bare) {
    const address = parseAddress(as);
    if (await identities.agent(address)) return address;
    throw notFound(await identities.agents(), formatAddress(address), address);
  }
  const name = as.trim();
  const agents = await identities.agents();
  const named = agents.filter((agent) => agent.name === name);
  if (named.length === 1) return { name, namespace: named[0]!.namespace };
  if (named.length > 1) {
    const addresses = named.map((agent) => formatAddress(agent)).sort();
    throw new PatchbayError("agent_ambiguous", `${named.length} agents are named ${name}: ${addresses.join(", ")}`, {
      next: `pass \`as\` with the namespace, such as ${addresses[0]}`,
    });
  }
  throw notFound(agents, name, { name, namespace: "default" });
}

/** `agent_not_found` for `asked`, naming the agent most likely meant, else how to create it. */
function notFound(agents: readonly AgentAddress[], asked: string, address: AgentAddress): PatchbayError {
  const known = agents.map((agent) => formatAddress(agent));
  const meant =
    likelyMeant(asked, known) ??
    likelyMeant(
      address.name,
      known.map((each) => each.split("@")[0]!),
    );
  const hint = meant ? ` (did you mean ${known.find((each) => each === meant || each.startsWith(`${meant}@`))}?)` : "";
  return new PatchbayError("agent_not_found", `no agent ${asked}${hint}`, {
    next: `create it with \`patchbay token add --namespace ${address.namespace} ${address.name}\``,
  });
}
