/**
 * The original PatchBay's `config.yaml`, converted to patchbay's config.toml shape. Every key of the
 * original is in RULES: one that patchbay has is carried over (renamed or converted where needed);
 * one it has not is accepted only while its value is one that changes nothing patchbay would do
 * differently, and refused, by name, otherwise, so an import never silently loses a choice.
 */
import { isAbsolute } from "node:path";
import { parse as parseYaml } from "yaml";
import { PatchbayError } from "../errors/index.ts";

type Table = Record<string, unknown>;

/** A key patchbay has: where it goes, and how its value is written there. */
interface Carried {
  to: string;
  convert?: (value: unknown) => unknown;
  /** A value the original accepted and patchbay cannot express, in words; undefined when fine. */
  refuse?: (value: unknown) => string | undefined;
}

/** A key patchbay has no equivalent for: harmless while `harmless(value)`; `why` says what patchbay does instead. */
interface Unmatched {
  harmless: (value: unknown) => boolean;
  why: string;
}

type Rule = Carried | Unmatched;

const blank = (value: unknown) => value === null || value === undefined || value === "";
const emptyList = (value: unknown) => blank(value) || (Array.isArray(value) && value.length === 0);
const either =
  (...allowed: unknown[]) =>
  (value: unknown) =>
    blank(value) || allowed.some((one) => JSON.stringify(one) === JSON.stringify(value));
const same = (to: string): Carried => ({ to });
/** The original wrote "no file" as an empty YAML value; patchbay's paths take "". */
const path = (to: string): Carried => ({ to, convert: (value) => (blank(value) ? "" : value) });
const fixed = (why: string, ...allowed: unknown[]): Unmatched => ({ harmless: either(...allowed), why });

/** Python logging level names to patchbay's. */
const LOG_LEVELS: Record<string, string> = { DEBUG: "debug", INFO: "info", WARNING: "warn", WARN: "warn", ERROR: "error", CRITICAL: "error" };

export const RULES: Record<string, Rule> = {
  "server.host": same("server.host"),
  "server.port": same("server.port"),
  "server.max_concurrent_jobs": same("server.max_concurrent_jobs"),
  "server.queue_enabled": fixed("patchbay always queues jobs over server.max_concurrent_jobs", true),
  "server.job_timeout_seconds": {
    to: "server.job_timeout_seconds",
    refuse: (value) => (value === 0 || blank(value) ? "patchbay always stops a job after a timeout: set a number of seconds" : undefined),
  },
  "server.codex_session_start_timeout_seconds": fixed("patchbay stops a silent agent after agents.idle_timeout_seconds", 180),
  "server.stale_running_job_grace_seconds": same("server.stale_running_job_grace_seconds"),
  "server.job_cleanup_after_hours": fixed("patchbay keeps job records until they are removed", 24),
  "server.max_request_bytes": same("server.max_request_bytes"),
  "server.enable_cors": same("server.enable_cors"),
  "server.allowed_origins": same("server.allowed_origins"),
  "app.widget_domain": same("app.widget_domain"),
  "app.tool_mode": same("app.tool_mode"),
  "auth.enabled": same("auth.enabled"),
  "auth.token_env": same("auth.token_env"),
  "auth.allow_query_token": same("auth.allow_query_token"),
  "auth.query_token_names": {
    harmless: (value) => blank(value) || (Array.isArray(value) && value.includes("patchbay_token")),
    why: "patchbay reads the token from the patchbay_token query parameter only",
  },
  "auth.require_for_non_loopback": same("auth.require_for_non_loopback"),
  "auth.require_for_tunnel": same("auth.require_for_tunnel"),
  "auth.tunnel_mode": same("tunnel_mode"),
  "ownership.scope": fixed("patchbay's owner is the session that created a worker (its client_ref)", "token"),
  "tunnel.hostname": fixed("pass --hostname to `patchbay start`"),
  "tunnel.tunnel_name": fixed("pass --tunnel-name to `patchbay start`"),
  "tunnel.cloudflared": fixed("pass --cloudflared to `patchbay start`", "cloudflared"),
  "tunnel.ngrok": fixed("pass --ngrok to `patchbay start`", "ngrok"),
  "tunnel.cloudflare_config": fixed("patchbay runs named tunnels by --tunnel-name and a token"),
  "tunnel.cloudflare_token_file": fixed("pass --cloudflare-token-file to `patchbay start`"),
  "tunnel.cloudflare_token_env": fixed("patchbay reads the tunnel token from TUNNEL_TOKEN", "CLOUDFLARE_TUNNEL_TOKEN", "TUNNEL_TOKEN"),
  "tunnel.ngrok_config": fixed("patchbay uses ngrok's own configuration"),
  "tunnel.timeout_seconds": fixed("pass --tunnel-timeout-seconds to `patchbay start`", 45),
  "repositories.projects_base": fixed("repositories.allowed lists the directories tools may use", "/"),
  "repositories.default": path("repositories.default"),
  "repositories.allowed": same("repositories.allowed"),
  "repositories.aliases": { harmless: emptyList, why: "patchbay has no workspace aliases: name the local path" },
  "repositories.discovery_roots": { harmless: emptyList, why: "codex_list_workspaces lists repositories.allowed and --allow-root" },
  "repositories.max_discovery_depth": fixed("codex_list_workspaces has its own bounds", 3),
  "repositories.max_discovery_results": fixed("codex_list_workspaces has its own bounds", 50),
  "security.require_git_repo": same("security.require_git_repo"),
  "security.default_sandbox": same("security.default_sandbox"),
  "security.allow_dangerously_bypass": same("security.allow_dangerously_bypass"),
  "security.allowed_env_keys": same("security.allowed_env_keys"),
  "security.allowed_config_override_prefixes": same("security.allowed_config_override_prefixes"),
  "security.context_dir": fixed("patchbay's handoff folder is .ai-bridge", ".ai-bridge"),
  "security.max_read_bytes": fixed("patchbay's read cap is fixed", 200000),
  "security.max_write_bytes": fixed("patchbay's write cap is fixed", 500000),
  "security.max_diff_bytes": fixed("patchbay's diff cap is fixed", 200000),
  "security.max_search_results": fixed("patchbay's search cap is fixed", 100),
  "security.search_timeout_ms": fixed("patchbay's search timeout is fixed", 10000),
  "security.max_search_timeout_ms": fixed("patchbay's search timeout is fixed", 60000),
  "security.max_tree_entries": fixed("patchbay's tree cap is fixed", 500),
  "security.max_skill_count": fixed("codex_list_skills takes max_skills", 120),
  "security.max_skill_bytes": fixed("codex_load_skill takes max_bytes", 40000),
  "security.blocked_globs": same("repositories.blocked_globs"),
  "power_tools.direct_write": same("power_tools.direct_write"),
  "power_tools.bash_mode": same("power_tools.bash_mode"),
  "power_tools.bash_transcript": fixed("patchbay returns a command's capped output", "compact"),
  "power_tools.bash_session_id": fixed("patchbay has no command session guard: power_tools.bash_mode decides"),
  "power_tools.require_bash_session": fixed("patchbay has no command session guard: power_tools.bash_mode decides", false),
  "power_tools.bash_timeout_ms": fixed("codex_run_command takes timeout_ms", 180000),
  "power_tools.bash_max_output_bytes": fixed("patchbay's output cap is fixed", 500000),
  "power_tools.codex_session_read": same("power_tools.codex_session_read"),
  "power_tools.codex_home": fixed("patchbay reads the CODEX_HOME environment variable", "~/.codex"),
  "power_tools.codex_session_max_messages": fixed("codex_read_session takes max_messages", 80),
  "power_tools.codex_session_max_bytes": fixed("codex_read_session takes max_total_bytes", 80000),
  "power_tools.codex_session_max_file_bytes": fixed("patchbay scans the last 64 MB of a transcript", 20000000),
  "power_tools.codex_session_max_scan_files": fixed("patchbay's session scan is bounded by itself", 3000),
  "power_tools.codex_session_max_scan_depth": fixed("patchbay's session scan is bounded by itself", 6),
  "workers.worktree_root": path("workers.worktree_root"),
  "workers.ignore_user_config": fixed("workers run the agent with the user's own configuration", false),
  "workers.file_response_max_bytes": fixed("codex_worker_inspect takes max_bytes", 25000),
  "workers.heartbeat_fresh_seconds": fixed("patchbay reports a worker's state, not heartbeats", 120),
  "workers.heartbeat_quiet_seconds": fixed("patchbay reports a worker's state, not heartbeats", 600),
  "workers.status_recommended_poll_seconds": fixed("codex_worker_inspect takes wait_seconds", 30),
  "workers.status_minimum_poll_seconds": fixed("codex_worker_inspect takes wait_seconds", 20),
  "workers.stop_artifact_wait_seconds": fixed("a stop keeps what the turn left", 2),
  "artifacts.enabled": fixed("the artifact inbox is always on", true),
  "artifacts.root": fixed("the artifact inbox lives under $PATCHBAY_HOME"),
  "artifacts.allowed_download_schemes": fixed("patchbay downloads over http(s) only", ["http", "https"], ["https"]),
  "artifacts.download_timeout_seconds": fixed("patchbay's download timeout is fixed", 60),
  "artifacts.max_archive_bytes": same("workers.max_download_bytes"),
  "artifacts.max_unpacked_bytes": same("workers.max_unpacked_bytes"),
  "artifacts.max_file_count": same("workers.max_unpacked_files"),
  "artifacts.max_single_file_bytes": fixed("workers.max_download_bytes also caps each unpacked file"),
  "pro_requests.root": fixed("patchbay has no Pro requests: agents message each other (send_message)"),
  "pro_requests.mirror_enabled": fixed("patchbay has no Pro requests", true),
  "pro_requests.mirror_dir": fixed("patchbay has no Pro requests", ".ai-bridge/pro-requests"),
  "pro_requests.max_report_bytes": fixed("patchbay has no Pro requests", 200000),
  "pro_requests.max_response_bytes": fixed("patchbay has no Pro requests", 200000),
  "pro_requests.max_attachment_bytes": fixed("patchbay has no Pro requests", 2000000),
  "pro_requests.max_attachments_per_request": fixed("patchbay has no Pro requests", 10),
  "pro_requests.retention_days": fixed("patchbay has no Pro requests", 30),
  "logging.level": { to: "logging.level", convert: (value) => LOG_LEVELS[String(value).toUpperCase()] ?? value },
  "logging.audit_file": path("logging.audit_file"),
  "logging.job_logs_dir": path("logging.job_logs_dir"),
  "logging.job_state_dir": path("logging.job_state_dir"),
  "logging.job_log_max_bytes": fixed("patchbay's job log cap is fixed", 200000),
  "logging.write_raw_job_logs": same("logging.write_raw_job_logs"),
  "logging.access_log": same("logging.access_log"),
  "logging.log_prompt_bodies": fixed("patchbay never logs prompts", false),
  "logging.log_response_bodies": fixed("patchbay never logs responses", false),
};

/** What became of one key of the original. */
export interface ImportedKey {
  key: string;
  /** The patchbay key it was written to; absent when it was left out. */
  to?: string;
  /** Why it was left out (its value changes nothing patchbay does). */
  why?: string;
}

export interface OriginalImport {
  /** The config.toml layer, in file shape. */
  layer: Table;
  keys: ImportedKey[];
}

function isTable(value: unknown): value is Table {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function setKey(table: Table, dotted: string, value: unknown): void {
  const parts = dotted.split(".");
  let at = table;
  for (const part of parts.slice(0, -1)) {
    if (!isTable(at[part])) at[part] = {};
    at = at[part] as Table;
  }
  at[parts.at(-1)!] = value;
}

/** Why `key = value` cannot be imported, or undefined when it can. */
function refusalOf(key: string, value: unknown, rule: Rule | undefined): string | undefined {
  if (!rule) return `${key}: the original's key is not known to this import`;
  if ("harmless" in rule) return rule.harmless(value) ? undefined : `${key} = ${JSON.stringify(value)}: no equivalent (${rule.why})`;
  const refused = rule.refuse?.(value);
  if (refused) return `${key} = ${JSON.stringify(value)}: no equivalent (${refused})`;
  // The original expanded ~ in repository paths; patchbay takes absolute paths only.
  const paths = Array.isArray(value) ? value : [value];
  if (rule.to.startsWith("repositories.") && rule.to !== "repositories.blocked_globs" && paths.some((p) => typeof p === "string" && p !== "" && !isAbsolute(p)))
    return `${key} = ${JSON.stringify(value)}: patchbay takes absolute paths only (write ~ out)`;
  return undefined;
}

/**
 * Converts the text of an original `config.yaml`. Keys named in `drop` are left out whatever
 * their value; any other key without an equivalent that would change behaviour is refused, all
 * of them in one error, each by name.
 *
 * @example
 * const { layer, keys } = convertOriginalConfig(await readFile("config.yaml", "utf8"), "config.yaml");
 */
export function convertOriginalConfig(text: string, file: string, drop: readonly string[] = []): OriginalImport {
  let original: unknown;
  try {
    original = parseYaml(text);
  } catch (error) {
    throw new PatchbayError("config_invalid", `${file}: invalid YAML: ${(error as Error).message.split("\n")[0]}`, { next: `fix the YAML of ${file}` });
  }
  if (!isTable(original)) throw new PatchbayError("config_invalid", `${file}: the top level is not a mapping`, { next: "pass the original's config.yaml" });
  const layer: Table = {};
  const keys: ImportedKey[] = [];
  const refused: string[] = [];
  for (const [section, body] of Object.entries(original)) {
    if (!isTable(body)) {
      if (!drop.includes(section)) refused.push(`${section}: expected a section of keys`);
      continue;
    }
    for (const [name, value] of Object.entries(body)) {
      const key = `${section}.${name}`;
      const rule = RULES[key];
      if (drop.includes(key)) {
        keys.push({ key, why: "left out with --drop" });
        continue;
      }
      const refusal = refusalOf(key, value, rule);
      if (refusal) refused.push(refusal);
      else if (rule && "to" in rule) {
        setKey(layer, rule.to, rule.convert ? rule.convert(value) : value);
        keys.push({ key, to: rule.to });
      } else if (rule) keys.push({ key, why: rule.why });
    }
  }
  if (refused.length > 0) {
    throw new PatchbayError("config_invalid", `${file}: ${refused.length} setting(s) have no equivalent in patchbay:\n  ${refused.join("\n  ")}`, {
      next: "change them in the file, or leave them out with --drop KEY (repeatable)",
      details: { refused },
    });
  }
  return { layer, keys };
}
