/** Messaging's tool face: the Patchcord messages and the attachments between agents. */
import type { ToolDeclaration } from "../../mcp/tool.ts";
import { ATTACHMENT_TOOLS } from "./attachments.ts";
import { MESSAGE_TOOLS } from "./messages.ts";

export const MESSAGING_TOOLS: readonly ToolDeclaration[] = [...MESSAGE_TOOLS, ...ATTACHMENT_TOOLS];
