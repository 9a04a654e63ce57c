import type { ToolDeclaration } from "../mcp/tool.ts";
import { APP_TOOLS } from "./tools/index.ts";
import { WORKSPACE_TOOLS } from "../workspace/tools/index.ts";
import { JOB_TOOLS } from "../jobs/tools/index.ts";
import { WORKER_TOOLS } from "../workers/tools/index.ts";
import { MESSAGING_TOOLS } from "../messaging/tools/index.ts";
import { PIPELINE_TOOLS } from "../pipeline/tools/index.ts";
import { USAGE_TOOLS } from "../usage/tools/index.ts";

/** Every tool patchbay declares. Each capability adds its tools here through its tool face (`tools/index.ts`). */
export const ALL_TOOLS: readonly ToolDeclaration[] = [
  ...APP_TOOLS,
  ...WORKSPACE_TOOLS,
  ...JOB_TOOLS,
  ...WORKER_TOOLS,
  ...MESSAGING_TOOLS,
  ...PIPELINE_TOOLS,
  ...USAGE_TOOLS,
];
