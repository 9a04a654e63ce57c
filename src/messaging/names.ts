/**
 * Agent names, namespaces and addresses (`name@namespace`). Both parts become record ids and
 * attachment path segments, so they are short portable names without dots: `ns.name` is then
 * an unambiguous record id.
 */
import { PatchbayError } from "../errors/index.ts";

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$/;
const THREAD_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export interface AgentAddress {
  name: string;
  namespace: string;
}

export const NAME_RULE = "1-48 characters from A-Z a-z 0-9 _ - starting with a letter or digit";

export function isName(value: string): boolean {
  return NAME_PATTERN.test(value);
}

export function assertName(value: string, what: "agent name" | "namespace"): string {
  if (isName(value)) return value;
  throw new PatchbayError("invalid_name", `${what} ${JSON.stringify(value)} is not valid`, { next: `use ${NAME_RULE}` });
}

export function assertThreadId(value: string): string {
  if (THREAD_PATTERN.test(value) && !value.includes("..")) return value;
  throw new PatchbayError("invalid_thread", `thread ${JSON.stringify(value)} is not a valid thread slug`, {
    next: "use 1-64 characters from A-Z a-z 0-9 _ . - starting with a letter or digit",
  });
}

/** `name@namespace` → its parts; a bare `name` takes `defaultNamespace`. */
export function parseAddress(text: string, defaultNamespace?: string): AgentAddress {
  const trimmed = text.trim();
  const at = trimmed.indexOf("@");
  const name = at === -1 ? trimmed : trimmed.slice(0, at);
  const namespace = at === -1 ? defaultNamespace : trimmed.slice(at + 1);
  if (!isName(name) || namespace === undefined || !isName(namespace)) {
    throw new PatchbayError("invalid_recipient", `${JSON.stringify(text)} is not an agent address`, {
      next: `write NAME or NAME@NAMESPACE, each ${NAME_RULE}`,
    });
  }
  return { name, namespace };
}

export function formatAddress(address: AgentAddress): string {
  return `${address.name}@${address.namespace}`;
}

/** The record id of an agent: `namespace.name`. */
export function agentId(address: AgentAddress): string {
  return `${address.namespace}.${address.name}`;
}

export function sameAgent(a: AgentAddress, b: AgentAddress): boolean {
  return a.name === b.name && a.namespace === b.namespace;
}

/** The MCP principal of a session authenticated with an agent's token. */
export function agentPrincipal(address: AgentAddress): string {
  return `agent:${formatAddress(address)}`;
}

/** The agent a principal is, or undefined for `operator`, `local` and anything else. */
export function agentOfPrincipal(principal: string): AgentAddress | undefined {
  if (!principal.startsWith("agent:")) return undefined;
  try {
    const address = parseAddress(principal.slice("agent:".length));
    return principal.slice("agent:".length).includes("@") ? address : undefined;
  } catch {
    return undefined;
  }
}

/** Principals that own the machine and may act for any agent with `as`. */
export function isOperatorPrincipal(principal: string): boolean {
  return principal === "operator" || principal === "local";
}
