/**
 * The power boundary: every tool declares the one capability it needs, from this closed set, and
 * the registry checks it on every call from the operator's settings before any handler runs.
 * A tool mode only chooses what is listed; nothing a session says can grant a capability.
 */
import { PatchbayError } from "../errors/index.ts";
import type { SessionScope } from "./session.ts";

export const CAPABILITIES = [
  "read",
  "record",
  "configure",
  "network",
  "write_worktree",
  "integrate",
  "write_base",
  "exec_safe",
  "exec",
  "unsandboxed",
  "session_read",
] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** What the operator allowed, as one session sees it. */
export interface Grants {
  power: SessionScope["power"];
  /** security.allow_dangerously_bypass: only an argument can ask for it, so listing never needs it. */
  allowDangerouslyBypass: boolean;
}

export interface CapabilityRule {
  /** What a tool with this capability can do, for docs/security.md. */
  meaning: string;
  /** The operator setting that allows it, or undefined when every operator session has it. */
  setting?: string;
  /** The command-line flag that turns the setting on, for the refusal's next step. */
  flag?: string;
  allowed(grants: Grants): boolean;
}

const always = () => true;

export const CAPABILITY_RULES: Record<Capability, CapabilityRule> = {
  read: { meaning: "reads the allowed repositories, their git history and patchbay's own records", allowed: always },
  record: {
    meaning: "writes patchbay's own records and notes: handoff files in `.ai-bridge/`, context packs, run approvals, messages, this session's mode",
    allowed: always,
  },
  configure: { meaning: "changes settings that run nothing: a pipeline phase's built-in provider and model, an agent token's rate-limit ban", allowed: always },
  network: { meaning: "fetches a public https URL the caller named (SSRF-checked, size- and time-capped)", allowed: always },
  write_worktree: { meaning: "runs an agent the operator configured on the caller's task, writing only in its own worktree (or read-only)", allowed: always },
  integrate: {
    meaning: "changes the base checkout through patchbay's checked flows: worker integration, pipeline apply, shared_write workers",
    allowed: always,
  },
  write_base: {
    meaning: "writes caller-chosen content to caller-chosen paths of the base checkout",
    setting: "power_tools.direct_write",
    flag: "--direct-write",
    allowed: (g) => g.power.directWrite,
  },
  exec_safe: {
    meaning: "runs allow-listed argument shapes of read-only commands and test runners, without a shell",
    setting: 'power_tools.bash_mode = "safe"',
    flag: "--bash-mode safe",
    allowed: (g) => g.power.bashMode !== "off",
  },
  exec: {
    meaning: "runs a program the caller chose, directly or by configuring one (a shell command, a pipeline provider, a test command, a command key)",
    setting: 'power_tools.bash_mode = "full"',
    flag: "--bash-mode full",
    allowed: (g) => g.power.bashMode === "full",
  },
  unsandboxed: {
    meaning: "runs an agent without its sandbox and approvals",
    setting: "security.allow_dangerously_bypass",
    allowed: (g) => g.allowDangerouslyBypass,
  },
  session_read: {
    meaning: "reads agent session transcripts under $CODEX_HOME, outside the repositories",
    setting: "power_tools.codex_session_read",
    flag: "--codex-session-read",
    allowed: (g) => g.power.codexSessionRead,
  },
};

export function isCapability(value: unknown): value is Capability {
  return typeof value === "string" && (CAPABILITIES as readonly string[]).includes(value);
}

/**
 * What the operator allowed a session: its power settings, and the bypass from the server's config
 * when a call's `context` is at hand (listing never needs the bypass: only arguments ask for it).
 */
export function grantsOf(
  session: { scope: Pick<SessionScope, "power"> },
  context?: { app: { config?: { security: { allow_dangerously_bypass: boolean } } } },
): Grants {
  return { power: session.scope.power, allowDangerouslyBypass: context?.app.config?.security.allow_dangerously_bypass ?? false };
}

/** How to turn a capability on, for refusals: the flag and the setting. */
export function howToAllow(capability: Capability): string {
  const rule = CAPABILITY_RULES[capability];
  const flag = rule.flag ? `restart patchbay with ${rule.flag}, or ` : "";
  return `${flag}set ${rule.setting} in config.toml (the operator decides; a session cannot switch it on)`;
}

/**
 * Throws the refusal for `capability` unless `grants` hold it: for what a call's arguments or
 * content ask beyond its tool's declared capability, found only once the call runs (the registry
 * checks the declaration, and an `escalate` its arguments, before the handler). `what` says what
 * needed it; `instead` is the other way on, when there is one.
 *
 * @example
 * requireCapability("exec", grants, "writing .claude/settings.json", "write it by hand");
 */
export function requireCapability(capability: Capability, grants: Grants, what: string, instead?: string): void {
  const rule = CAPABILITY_RULES[capability];
  if (rule.allowed(grants)) return;
  throw new PatchbayError("tool_disabled", `${what} needs the capability "${capability}" (${rule.meaning})`, {
    next: `${howToAllow(capability)}${instead ? `; or ${instead}` : ""}`,
    details: { capability, setting: rule.setting },
  });
}
