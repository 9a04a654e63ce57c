import type { ToolDeclaration } from "../mcp/tool.ts";
import { toolModeInfo, toolModeSwitch } from "./tools/mode.ts";
import { selfTest } from "./tools/self-test.ts";
import { getConfig } from "./tools/config.ts";
import { WORKSPACE_TOOLS } from "../workspace/index.ts";
import { JOB_TOOLS } from "../jobs/index.ts";
import { WORKER_TOOLS } from "../workers/index.ts";
import { MESSAGING_TOOLS } from "../messaging/index.ts";
import { PIPELINE_TOOLS } from "../pipeline/index.ts";

/** Every tool patchbay declares. Each capability adds its tools here through its public face. */
export const ALL_TOOLS: readonly ToolDeclaration[] = [
  selfTest,
  toolModeInfo,
  toolModeSwitch,
  getConfig,
  ...WORKSPACE_TOOLS,
  ...JOB_TOOLS,
  ...WORKER_TOOLS,
  ...MESSAGING_TOOLS,
  ...PIPELINE_TOOLS,
];
