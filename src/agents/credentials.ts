/**
 * Where each agent's credentials come from, said out loud: `patchbay doctor` reports, per agent,
 * the login file or the variable names it found (names only, never values), and a failed turn
 * whose output says "not logged in" or "missing variable" gets the variable or login patchbay
 * looked for and the setting that passes it.
 */
import { existsSync } from "node:fs";
import { adapterPasses, childEnvironment, type EnvPolicy, matchesAny, type SourceEnv } from "./environment.ts";
import type { AgentAdapter } from "./types.ts";

export interface CredentialReport {
  agent: string;
  /** What will authenticate it: variables it receives, a login file, or nothing patchbay can see. */
  /** not_declared: a custom agent, whose credentials patchbay cannot know; `passed` lists its pass_env variables. */
  source: "variables" | "login_file" | "none" | "not_declared";
  /** Credential variables set in patchbay's environment that the agent will receive. */
  passed: string[];
  /** Credential variables set in patchbay's environment that security.denied_env_keys withholds. */
  withheld: string[];
  /** Login files that exist. */
  files: string[];
  looked_for: { variables: string[]; files: string[]; login?: string };
  /** What to do when nothing was found, or something is withheld. */
  next?: string;
}

/**
 * The credential sources of one agent in this environment.
 *
 * @example
 * credentialReport(claude, envPolicy(config)).passed; // ["ANTHROPIC_API_KEY"]
 */
export function credentialReport(adapter: AgentAdapter, policy: EnvPolicy, source: SourceEnv = process.env): CredentialReport {
  const credentials = adapter.env.credentials;
  const received = childEnvironment(policy, { pass: adapterPasses(adapter, source), source });
  if (!credentials) {
    // A custom agent: the pass_env variables it asked for are what it may use.
    const set = Object.keys(source).filter((name) => source[name] && matchesAny(name, adapter.env.pass));
    return split(adapter.name, set, received, { variables: [...adapter.env.pass], files: [] }, "not_declared");
  }
  const variables = [...new Set(credentials.variables(source))];
  const files = credentials.files(source);
  const set = variables.filter((name) => source[name]);
  const report = split(adapter.name, set, received, { variables, files, login: credentials.login }, "none");
  report.files = files.filter((file) => existsSync(file));
  if (report.passed.length > 0) report.source = "variables";
  else if (report.files.length > 0) report.source = "login_file";
  if (report.source === "none") {
    report.next = `set one of ${variables.join(", ")} in the environment patchbay starts in, or ${credentials.login}`;
  }
  if (report.withheld.length > 0) {
    const [verb, them] = report.withheld.length === 1 ? ["is", "it"] : ["are", "them"];
    report.next = `${report.withheld.join(", ")} ${verb} withheld by security.denied_env_keys; remove ${them} from that list to pass ${them}`;
  }
  return report;
}

function split(
  agent: string,
  set: string[],
  received: Record<string, string>,
  lookedFor: CredentialReport["looked_for"],
  source: CredentialReport["source"],
): CredentialReport {
  return {
    agent,
    source,
    passed: set.filter((name) => name in received),
    withheld: set.filter((name) => !(name in received)),
    files: [],
    looked_for: lookedFor,
  };
}

/**
 * A next step for a turn that failed because the agent found no credentials, or undefined when the
 * error says something else.
 *
 * @example
 * credentialHint(codex, "Missing environment variable: `FAKE_API_KEY`.", policy);
 * // "codex needs FAKE_API_KEY, which is not set in the environment patchbay was started in: …"
 */
export function credentialHint(adapter: AgentAdapter, error: string, policy: EnvPolicy, source: SourceEnv = process.env): string | undefined {
  const credentials = adapter.env.credentials;
  const match = credentials?.missing.exec(error);
  if (!credentials || !match) return undefined;
  const named = match.slice(1).find((group) => group !== undefined);
  if (named) return variableHint(adapter, named, policy, source);
  const report = credentialReport(adapter, policy, source);
  const files = report.looked_for.files.join(", ");
  if (report.withheld.length > 0) return `${adapter.name} found no credentials: ${report.next}`;
  if (report.passed.length > 0) {
    return `${adapter.name} received ${report.passed.join(", ")} and still found no valid credentials: check the value, or ${credentials.login}`;
  }
  const variables = report.looked_for.variables.join(", ");
  return (
    `${adapter.name} found no credentials: patchbay looked for ${variables} (none is set in the environment patchbay was started in) ` +
    `and the login file ${files} (${report.files.length ? "present" : "absent"}); set one of those variables before starting patchbay, or ${credentials.login}`
  );
}

function variableHint(adapter: AgentAdapter, name: string, policy: EnvPolicy, source: SourceEnv): string {
  if (!source[name]) return `${adapter.name} needs ${name}, which is not set in the environment patchbay was started in: set it there and restart patchbay`;
  if (matchesAny(name, policy.denied)) return `${adapter.name} needs ${name}, which security.denied_env_keys withholds: remove it from that list`;
  return `${adapter.name} needs ${name}, which patchbay does not pass to it: add it to security.allowed_env_keys${adapter.env.credentials ? "" : ` or agents.custom.${adapter.name}.pass_env`}`;
}

/** The agent's own error, followed by the credential hint when there is one. */
export function withCredentialHint(adapter: AgentAdapter, error: string, policy: EnvPolicy, source: SourceEnv = process.env): string {
  const hint = credentialHint(adapter, error, policy, source);
  return hint ? `${error} (${hint})` : error;
}
