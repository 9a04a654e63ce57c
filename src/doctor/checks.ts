import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { $ } from "dax-sh";
import {
  type AgentAdapter,
  agentClis,
  agentExecutable,
  BASE_ONLY,
  findExecutable,
  childEnvironment,
  type CredentialReport,
  loadCheckedConfig,
} from "../agents/index.ts";
import type { Config } from "../config/index.ts";
import { asPatchbayError } from "../errors/index.ts";
import { checkPipelineConfig, hasPipelineConfig } from "../pipeline/doctor.ts";
import { readOwner } from "../server/index.ts";
import { runGit } from "../workspace/index.ts";
import { credentialChecks } from "./credentials.ts";

export type CheckStatus = "ok" | "warn" | "fail";

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do about a warning or failure. */
  next?: string;
  /** The auth checks: the agent's credential sources, by name only. */
  credentials?: CredentialReport;
}

async function versionOf(command: string): Promise<string | undefined> {
  const path = findExecutable(command, process.env.PATH ?? "", process.cwd());
  if (!path) return undefined;
  // The base list only: an agent CLI's --version needs no key, and gets none.
  const result = await $`${path} --version`.clearEnv().env(childEnvironment(BASE_ONLY)).noThrow().quiet().stdout("piped").timeout("10s");
  return result.code === 0 ? result.stdout.trim().split("\n")[0] || "unknown version" : "installed, but `--version` failed";
}

async function gitCheck(): Promise<CheckResult> {
  const version = await versionOf("git");
  return version
    ? { name: "git", status: "ok", detail: version }
    : { name: "git", status: "fail", detail: "git is not on PATH", next: "install git (workers, diffs and worktrees need it)" };
}

/**
 * An agent CLI patchbay drives, by the executable its turns run: `[agents.commands]`'s entry, else
 * its default (the default alone when the config does not load).
 */
async function agentCheck(agent: AgentAdapter, config: Config | undefined): Promise<CheckResult> {
  const executable = config ? agentExecutable(agent, config) : agent.defaultCommand;
  const version = await versionOf(executable);
  if (version) return { name: agent.name, status: "ok", detail: version };
  const where = executable.includes("/") ? "was not found or is not executable" : "is not on PATH";
  return {
    name: agent.name,
    status: "warn",
    detail: `${executable} ${where}`,
    next: `${agent.install}, or point ${agent.configKey} at it, to run ${agent.name} workers`,
  };
}

/**
 * OpenAI's Secure MCP Tunnel client: the recommended way for ChatGPT to reach a local server
 * without exposing it. Optional, so a missing one is a warning.
 */
async function chatgptTunnelCheck(): Promise<CheckResult> {
  const version = await versionOf("tunnel-client");
  return version
    ? { name: "tunnel", status: "ok", detail: `OpenAI's Secure MCP Tunnel client: ${version}` }
    : {
        name: "tunnel",
        status: "warn",
        detail: "tunnel-client (OpenAI's Secure MCP Tunnel) is not on PATH",
        next: "for ChatGPT, install it from github.com/openai/tunnel-client releases; `patchbay start --print-only` shows the other ways in",
      };
}

function stateCheck(home: string): CheckResult {
  const dir = join(home, "state");
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const probe = join(dir, `.doctor-${process.pid}`);
    writeFileSync(probe, "ok", { mode: 0o600 });
    rmSync(probe);
    return { name: "state", status: "ok", detail: `${dir} is writable` };
  } catch (error) {
    return {
      name: "state",
      status: "fail",
      detail: `${dir} is not writable: ${(error as Error).message}`,
      next: "fix the permissions, or point PATCHBAY_HOME elsewhere",
    };
  }
}

function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

async function portCheck(home: string, config: Config): Promise<CheckResult> {
  const { host, port } = config.server;
  const name = "port";
  if (await portFree(host, port)) return { name, status: "ok", detail: `${host}:${port} is free` };
  const owner = readOwner(home);
  if (owner?.http.some((url) => new URL(url).port === String(port)))
    return { name, status: "ok", detail: `${host}:${port} is served by this patchbay (pid ${owner.pid})` };
  return { name, status: "fail", detail: `${host}:${port} is in use by another program`, next: "choose another with --port or server.port" };
}

/**
 * The phase pipeline of the repository around `cwd`, when it has `.ai/patchbay.toml` (or the
 * legacy `.ai/ai-flow.toml`): one result per problem, or one `ok` line. None outside a repository.
 */
export async function pipelineChecks(cwd: string, config: Config): Promise<CheckResult[]> {
  const top = await runGit(cwd, ["rev-parse", "--show-toplevel"]).catch(() => undefined);
  if (!top || top.code !== 0) return [];
  const repo = top.stdout.trim();
  if (!hasPipelineConfig(repo)) return [];
  const findings = await checkPipelineConfig(repo, config);
  return findings.map((finding) => ({ name: "pipeline", status: finding.status, detail: finding.detail, ...(finding.next && { next: finding.next }) }));
}

/** Every check, in a fixed order; a config that does not load is itself the failing check. */
export async function runChecks(home: string, cwd = process.cwd()): Promise<CheckResult[]> {
  let config: Config | undefined;
  let configResult: CheckResult;
  try {
    config = await loadCheckedConfig({ home });
    configResult = { name: "config", status: "ok", detail: `${join(home, "config.toml")} is valid (or absent: defaults)` };
  } catch (error) {
    const failure = asPatchbayError(error);
    configResult = { name: "config", status: "fail", detail: failure.message, next: failure.next };
  }
  const results = await Promise.all([gitCheck(), ...agentClis().map((agent) => agentCheck(agent, config)), chatgptTunnelCheck()]);
  results.push(stateCheck(home), configResult);
  if (config) results.push(...credentialChecks(config), await portCheck(home, config), ...(await pipelineChecks(cwd, config)));
  return results;
}
