/** The built-in tools of the application itself: the self test, the tool mode and the configuration. */
import type { ToolDeclaration } from "../../mcp/tool.ts";
import { getConfig } from "./config.ts";
import { toolModeInfo, toolModeSwitch } from "./mode.ts";
import { selfTest } from "./self-test.ts";

export const APP_TOOLS: readonly ToolDeclaration[] = [selfTest, toolModeInfo, toolModeSwitch, getConfig];
