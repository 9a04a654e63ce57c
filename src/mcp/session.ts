import { randomBytes } from "node:crypto";
import { keptRealpathOrSelf } from "../runtime/index.ts";
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
  /**
   * The mode is app.tool_mode's default, chosen by nobody (no --tool-mode, no setting, no switch):
   * the catalog may then add what the session's repository needs (ToolDeclaration.alsoByDefault).
   */
  modeIsDefault?: boolean;
  /** Called after `mode` changed, so the connection can announce the new tool list. */
  onModeChange?: () => void;
}

/** How a session opens: its mode, whether nobody chose that mode, and its scope (what `patchbay stdio` sends the server). */
export interface SessionOpening {
  mode: ToolMode;
  modeIsDefault?: boolean;
  scope: SessionScope;
}

/** The repository a session works in when a call names none: its default root, else its only allowed root. */
export function sessionRepository(scope: SessionScope): string | undefined {
  return scope.defaultRoot ?? (scope.allowedRoots.length === 1 ? scope.allowedRoots[0] : undefined);
}

/**
 * The scope's allowed roots as real paths, the one form every boundary check compares with: kept
 * between calls while each root stays the same directory (a re-pointed symlink shows at once).
 */
export function realRoots(scope: SessionScope): string[] {
  return scope.allowedRoots.map(keptRealpathOrSelf);
}

export function createSession(init: SessionOpening & { transport: "stdio" | "http"; principal: string }): SessionState {
  return { ...init, clientRef: `client_${randomBytes(6).toString("hex")}`, openedAt: new Date() };
}
