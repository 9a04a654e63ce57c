/** The workers' tool face: the inbox, the team, looking at a worker and integrating workers and jobs. */
import type { ToolDeclaration } from "../../mcp/tool.ts";
import { INBOX_TOOLS } from "./inbox.ts";
import { INSPECT_TOOLS } from "./inspect.ts";
import { INTEGRATE_TOOLS } from "./integrate.ts";
import { JOB_WORKTREE_TOOLS } from "./job-worktree-tools.ts";
import { TEAM_TOOLS } from "./team.ts";

export const WORKER_TOOLS: readonly ToolDeclaration[] = [...INBOX_TOOLS, ...TEAM_TOOLS, ...INSPECT_TOOLS, ...INTEGRATE_TOOLS, ...JOB_WORKTREE_TOOLS];
