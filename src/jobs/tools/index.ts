/** The jobs' tool face: every tool that starts, follows or continues an agent turn. */
import type { ToolDeclaration } from "../../mcp/tool.ts";
import { INSPECT_TOOLS } from "./inspect.ts";
import { RUN_TOOLS } from "./job-start-tools.ts";
import { SESSION_LIST_TOOLS } from "./session-list.ts";
import { SESSION_TOOLS } from "./sessions.ts";

export { jobFor } from "./access.ts";
export { effortArg, jobIdArg, modelIdArg } from "./args.ts";

export const JOB_TOOLS: readonly ToolDeclaration[] = [...RUN_TOOLS, ...INSPECT_TOOLS, ...SESSION_TOOLS, ...SESSION_LIST_TOOLS];
