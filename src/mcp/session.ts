import { randomBytes } from "node:crypto";
import type { ToolMode } from "./tool.ts";

/** What a session may touch and do: fixed when it opens (its --root/--allow-root and power flags). */
export interface SessionScope {
  defaultRoot?: string;
  allowedRoots: string[];
  power: { directWrite: boolean; bashMode: "off" | "safe" | "full"; codexSessionRead: boolean };
}

/**
 * One caller's view of the server: a stdio connection, a 2025-era HTTP session, or (2026-era HTTP
 * has no sessions) one authenticated principal. Its tool mode changes only its own catalog.
 */
export interface SessionState {
  /** The only public name of a session; raw session ids are never shown. */
  readonly clientRef: string;
  readonly transport: "stdio" | "http";
  readonly principal: string;
  readonly scope: SessionScope;
  readonly openedAt: Date;
  mode: ToolMode;
  /** Called after `mode` changed, so the connection can announce the new tool list. */
  onModeChange?: () => void;
}

export function createSession(init: { transport: "stdio" | "http"; principal: string; mode: ToolMode; scope: SessionScope }): SessionState {
  return { ...init, clientRef: `client_${randomBytes(6).toString("hex")}`, openedAt: new Date() };
}
