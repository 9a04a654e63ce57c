/** The workspace's tool face: every tool it declares, in catalog order. */
import type { ToolDeclaration } from "../../mcp/tool.ts";
import { FILE_TOOLS } from "./files.ts";
import { GIT_TOOLS } from "./git.ts";
import { HANDOFF_TOOLS } from "./handoff.ts";
import { ORIENTATION_TOOLS } from "./orientation.ts";
import { POWER_TOOLS } from "./power.ts";
import { SKILL_TOOLS } from "./skills.ts";

export const WORKSPACE_TOOLS: readonly ToolDeclaration[] = [
  ...ORIENTATION_TOOLS,
  ...FILE_TOOLS,
  ...GIT_TOOLS,
  ...SKILL_TOOLS,
  ...HANDOFF_TOOLS,
  ...POWER_TOOLS,
];
