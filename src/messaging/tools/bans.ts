/**
 * The rate limit's bans, for the operator: which agent tokens are banned, until when and why
 * (`list_bans`), and ending one early (`lift_ban`). Neither is offered to agents' sessions (the
 * registry refuses them `tool_not_for_agents`), so a banned agent cannot lift its own ban. A ban
 * is kept by the token's hash; the agent is found by the token's id, so a ban of a revoked token
 * names no agent.
 */
import * as v from "valibot";
import { PatchbayError } from "../../errors/index.ts";
import { defineTool, type ToolContext } from "../../mcp/tool.ts";
import type { TokenInfo } from "../identities.ts";
import type { Ban } from "../limits.ts";
import { messagingOf } from "../messaging.ts";
import { parseAddress } from "../names.ts";

const banSchema = v.object({
  token_id: v.string(),
  agent: v.nullable(v.string()),
  namespace: v.nullable(v.string()),
  until: v.string(),
  reason: v.string(),
});
type BanView = v.InferOutput<typeof banSchema>;

const TOKEN_ID_CHARS = 12;

function viewOf(ban: Ban, tokens: TokenInfo[]): BanView {
  const token = tokens.find((info) => ban.id.startsWith(info.token_id));
  const address = token ? parseAddress(token.agent) : undefined;
  return {
    token_id: ban.id.slice(0, TOKEN_ID_CHARS),
    agent: token?.agent ?? null,
    namespace: address?.namespace ?? null,
    until: ban.until,
    reason: ban.reason,
  };
}

async function viewsOf(context: ToolContext, bans: Ban[]): Promise<BanView[]> {
  const tokens = await messagingOf(context.app).identities.listTokens();
  return bans.map((ban) => viewOf(ban, tokens));
}

const lines = (bans: BanView[]) =>
  bans.map((ban) => `${ban.agent ?? "a revoked token"} (token ${ban.token_id}): banned until ${ban.until}, ${ban.reason}`).join("\n");

export const listBans = defineTool({
  name: "list_bans",
  title: "Rate-limit bans",
  description: "Operator only: agent tokens the rate limit banned, with agent, namespace, when the ban ends and why. Changes nothing.",
  input: v.strictObject({}),
  output: v.object({ bans: v.array(banSchema) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  capability: "read",
  modes: ["standard", "full"],
  labels: { invoking: "Reading bans", invoked: "Bans read" },
  async handler(_args, context) {
    const bans = await viewsOf(context, await messagingOf(context.app).limiter.bans());
    return { text: lines(bans) || "No token is banned.", structured: { bans } };
  },
});

export const liftBan = defineTool({
  name: "lift_ban",
  title: "Lift a rate-limit ban",
  description: "Operator only: end a token's rate-limit ban now, so its agent can call again.",
  input: v.strictObject({
    token_id: v.pipe(v.string(), v.minLength(6), v.maxLength(64), v.regex(/^[0-9a-f]+$/), v.description("The token_id list_bans shows.")),
  }),
  output: v.object({ lifted: v.array(banSchema) }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  capability: "configure",
  modes: ["standard", "full"],
  labels: { invoking: "Lifting the ban", invoked: "Ban lifted" },
  async handler(args, context) {
    const lifted = await viewsOf(context, await messagingOf(context.app).limiter.lift(args.token_id));
    if (!lifted.length) throw new PatchbayError("ban_not_found", `no token ${args.token_id} is banned`, { next: "see list_bans" });
    return { text: `Lifted: ${lines(lifted)}`, structured: { lifted } };
  },
});
