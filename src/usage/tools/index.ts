/** The usage ledger's tool face: the read-only roll-up hosts ask for. */
import type { ToolDeclaration } from "../../mcp/tool.ts";
import { usageTool } from "./usage.ts";

export const USAGE_TOOLS: readonly ToolDeclaration[] = [usageTool];
