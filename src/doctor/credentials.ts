/**
 * One check per agent: where its credentials come from in this environment (the one a patchbay
 * started from this shell would have), by variable name or login file, never by value.
 */
import { type AgentAdapter, agentClis, type CredentialReport, credentialReport, customAgent, envPolicy, type SourceEnv } from "../agents/index.ts";
import type { Config } from "../config/index.ts";
import type { CheckResult } from "./checks.ts";

function describe(report: CredentialReport): Pick<CheckResult, "status" | "detail"> {
  const { agent, looked_for: lookedFor } = report;
  switch (report.source) {
    case "variables":
      return { status: report.withheld.length ? "warn" : "ok", detail: `${agent} receives ${report.passed.join(", ")} (set in this environment)` };
    case "login_file":
      return { status: report.withheld.length ? "warn" : "ok", detail: `${agent} uses its login file ${report.files.join(", ")}` };
    case "not_declared":
      return report.passed.length
        ? { status: "ok", detail: `${agent} receives ${report.passed.join(", ")} (its pass_env)` }
        : {
            status: "ok",
            detail: lookedFor.variables.length
              ? `${agent} declares pass_env ${lookedFor.variables.join(", ")}, none of them set`
              : `${agent} declares no pass_env: it gets the base list and security.allowed_env_keys`,
          };
    case "none":
      return {
        status: "warn",
        detail: `${agent} has no credentials here: none of ${lookedFor.variables.join(", ")} is set, and ${lookedFor.files.join(", ")} does not exist`,
      };
  }
}

/**
 * The credential check of every agent that can be authenticated: the built-in agent CLIs (codex,
 * claude, gemini), then the custom agents of the config.
 *
 * @example
 * credentialChecks(config, process.env)[0]; // { name: "auth", status: "ok", detail: "codex receives OPENAI_API_KEY (…)", credentials: {…} }
 */
export function credentialChecks(config: Config, source: SourceEnv = process.env): CheckResult[] {
  const adapters: AgentAdapter[] = [...agentClis(), ...Object.entries(config.agents.custom).map(([id, custom]) => customAgent(id, custom))];
  return adapters.map((adapter) => {
    const report = credentialReport(adapter, envPolicy(config), source);
    return { name: "auth", ...describe(report), ...(report.next && { next: report.next }), credentials: report };
  });
}
