/**
 * What `GET /status` answers an HTTP caller. An agent (its token, or an OAuth agent grant) gets
 * only what it needs to reach the server: name, version and URLs. Every other HTTP caller gets
 * the whole status with this machine's folders hidden as in tool results (src/mcp/local-details.ts):
 * roots relative to the default repository, `$PATCHBAY_HOME` for the home. `patchbay status`
 * (the control port) still shows everything.
 */
import { hideLocalPaths, localRewrites, type SessionScope } from "../mcp/index.ts";
import { agentOfPrincipal } from "../messaging/index.ts";
import type { StatusReport } from "./server.ts";

export interface AgentStatus {
  name: "patchbay";
  version: string;
  http: string[];
}

export function statusForHttp(report: StatusReport, principal: string, scope: SessionScope, home: string): StatusReport | AgentStatus {
  if (agentOfPrincipal(principal)) return { name: "patchbay", version: report.version, http: report.http };
  return hideLocalPaths(report, localRewrites({ scope }, home)) as StatusReport;
}
