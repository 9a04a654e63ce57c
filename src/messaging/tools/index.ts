/** Messaging's tool face: the Patchcord messages, presence on its own, the attachments between agents, and the operator's view of rate-limit bans. */
import type { ToolDeclaration } from "../../mcp/tool.ts";
import { ATTACHMENT_TOOLS } from "./attachments.ts";
import { liftBan, listBans } from "./bans.ts";
import { MESSAGE_TOOLS } from "./messages.ts";
import { presenceTool } from "./presence.ts";

export const MESSAGING_TOOLS: readonly ToolDeclaration[] = [...MESSAGE_TOOLS, presenceTool, ...ATTACHMENT_TOOLS, listBans, liftBan];
