/**
 * `presence`: who is active, read on its own. `inbox` lists presence too but hands over (and so
 * marks read) the caller's messages, which a view that only looks, like the board, must not do.
 * Looking is not activity: this tool marks no one as seen, not even the caller.
 */
import * as v from "valibot";
import { PatchbayError } from "../../errors/index.ts";
import { defineTool } from "../../mcp/tool.ts";
import { messagingOf } from "../messaging.ts";
import { activeWithinArg, presenceSchema } from "./messages.ts";
import { agentOfPrincipal, assertName, formatAddress, isOperatorPrincipal, parseAddress } from "../names.ts";

export const presenceTool = defineTool({
  name: "presence",
  title: "Presence",
  description: "The agents of a namespace: last seen, active, and waiting in wait_for_message. Reads no messages.",
  input: v.strictObject({
    namespace: v.optional(v.pipe(v.string(), v.maxLength(60), v.description("Operator only (default: every namespace)."))),
    active_within_seconds: activeWithinArg,
  }),
  output: v.object({ agents: v.array(presenceSchema) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  capability: "read",
  modes: ["worker", "standard", "full"],
  forAgents: true,
  labels: { invoking: "Reading presence", invoked: "Presence read" },
  async handler(args, context) {
    const messaging = messagingOf(context.app);
    const namespaces = await namespacesFor(context.session.principal, args.namespace, messaging);
    const mailbox = await messaging.mailbox();
    const window = args.active_within_seconds === undefined ? undefined : args.active_within_seconds * 1000;
    const agents = (await Promise.all(namespaces.map((namespace) => messaging.presence.of(namespace, window))))
      .flat()
      .map((entry) => ({ ...entry, waiting: mailbox.parked(parseAddress(entry.agent)) > 0 }));
    const lines = agents.map(
      (entry) => `${entry.agent}: ${entry.waiting ? "waiting" : entry.active ? "active" : "away"}${entry.last_seen ? `, last seen ${entry.last_seen}` : ""}`,
    );
    return { text: lines.join("\n") || "No agents.", structured: { agents } };
  },
});

/** An agent's own namespace; for the operator the one named, or every namespace that has an agent. */
async function namespacesFor(principal: string, named: string | undefined, messaging: ReturnType<typeof messagingOf>): Promise<string[]> {
  const own = agentOfPrincipal(principal);
  if (own) {
    if (named !== undefined && named !== own.namespace)
      throw new PatchbayError("as_forbidden", `this session is ${formatAddress(own)} and sees only namespace ${own.namespace}`, {
        next: "leave `namespace` out",
      });
    return [own.namespace];
  }
  if (!isOperatorPrincipal(principal))
    throw new PatchbayError("identity_required", "this session is not an agent", { next: "connect with an agent token (`patchbay token add`)" });
  if (named !== undefined) return [assertName(named, "namespace")];
  const tokens = await messaging.identities.listTokens();
  return [...new Set(tokens.map((token) => parseAddress(token.agent).namespace))].sort();
}
