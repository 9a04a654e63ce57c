/** Messaging's tool face: the Patchcord messages, presence on its own, and the attachments between agents. */
import type { ToolDeclaration } from "../../mcp/tool.ts";
import { ATTACHMENT_TOOLS } from "./attachments.ts";
import { MESSAGE_TOOLS } from "./messages.ts";
import { presenceTool } from "./presence.ts";

export const MESSAGING_TOOLS: readonly ToolDeclaration[] = [...MESSAGE_TOOLS, presenceTool, ...ATTACHMENT_TOOLS];
