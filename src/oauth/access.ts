/**
 * What a consent grants a client: one agent identity (it is that agent, as with the agent's own
 * `pbt_` token), or the operator narrowed to a tool mode and to power switches the running server
 * has on. Power is capped again on every request, so lowering the server's settings narrows every
 * grant at once; a grant never holds more than the operator's settings allow.
 */
import { TOOL_MODES } from "../config/index.ts";

export type ToolModeName = (typeof TOOL_MODES)[number];

/** The power switches of a session (the shape of SessionScope["power"] in src/mcp). */
export interface Power {
  directWrite: boolean;
  bashMode: "off" | "safe" | "full";
  codexSessionRead: boolean;
}

export type Access = { kind: "agent"; agent: string } | { kind: "operator"; mode: ToolModeName; power: Power };

/** Who an OAuth access token authenticates as, in the HTTP layer's terms. */
export interface OAuthCaller {
  principal: string;
  /** For an operator grant: its own sessions (keyed by the grant), mode and capped power. */
  session?: { key: string; mode: ToolModeName; power: Power };
}

const BASH_ORDER: Power["bashMode"][] = ["off", "safe", "full"];

/** The switches both `requested` and `allowed` have on. */
export function capPower(requested: Power, allowed: Power): Power {
  const bash = Math.min(BASH_ORDER.indexOf(requested.bashMode), BASH_ORDER.indexOf(allowed.bashMode));
  return {
    directWrite: requested.directWrite && allowed.directWrite,
    bashMode: BASH_ORDER[Math.max(0, bash)]!,
    codexSessionRead: requested.codexSessionRead && allowed.codexSessionRead,
  };
}

export function callerOf(access: Access, grantId: string, allowed: Power): OAuthCaller {
  if (access.kind === "agent") return { principal: `agent:${access.agent}` };
  return { principal: "operator", session: { key: `oauth:${grantId}`, mode: access.mode, power: capPower(access.power, allowed) } };
}

/** One line for pages and `patchbay oauth list`, e.g. `agent alice@team` or `operator (worker mode; bash safe)`. */
export function describeAccess(access: Access): string {
  if (access.kind === "agent") return `agent ${access.agent}`;
  const power = [
    access.power.directWrite && "direct write",
    access.power.bashMode !== "off" && `bash ${access.power.bashMode}`,
    access.power.codexSessionRead && "session read",
  ].filter(Boolean);
  return `operator (${access.mode} mode; ${power.length ? power.join(", ") : "no power tools"})`;
}

export function isToolMode(value: string): value is ToolModeName {
  return (TOOL_MODES as readonly string[]).includes(value);
}

export { TOOL_MODES };
