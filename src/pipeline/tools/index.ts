/** The pipeline's tool face: `patchbay_*` (with `ai_flow_*` aliases in full mode). */
import type { ToolDeclaration } from "../../mcp/tool.ts";
import { commandSetTool, configShowTool, phaseSetTool, providerAddTool, testAddTool } from "./config.ts";
import {
  applyTool,
  approveTool,
  artifactTool,
  cancelTool,
  diffTool,
  eventsTool,
  fixTool,
  planTool,
  reviewTool,
  runsTool,
  statusTool,
  testTool,
  writeTool,
} from "./runs.ts";

export const PIPELINE_TOOLS: readonly ToolDeclaration[] = [
  planTool,
  approveTool,
  writeTool,
  testTool,
  reviewTool,
  fixTool,
  statusTool,
  eventsTool,
  runsTool,
  artifactTool,
  configShowTool,
  phaseSetTool,
  commandSetTool,
  testAddTool,
  providerAddTool,
  diffTool,
  applyTool,
  cancelTool,
];
