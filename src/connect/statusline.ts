/**
 * `mcp install claude --statusline`: Claude Code's `statusLine` setting (in the scope's
 * settings.json, where the inbox hook goes) runs `patchbay msg status --statusline --as AGENT`,
 * which prints the agent's unread count and never fails loudly. Claude Code 2.1.332 reads it as
 * `{"statusLine": {"type": "command", "command": "…", "padding": 0, "refreshInterval": N}}`.
 * Only patchbay's own status line is replaced or removed; someone else's is refused.
 */
import { isDeepStrictEqual } from "node:util";
import { PatchbayError } from "../errors/index.ts";
import { patchbayCommandLine, plannedChange } from "./claude-hook.ts";
import { readText } from "./files.ts";
import type { HostLocation } from "./hosts/adapter.ts";
import type { PlannedChange } from "./install.ts";
import { parseJsonObject, setJsonValue } from "./json-edit.ts";

/** Seconds between Claude's re-runs of the command (besides its own event-driven updates). */
export const STATUS_LINE_REFRESH_SECONDS = 30;
const OUR_COMMAND = / msg status --statusline( |$)/;

/** `[PATCHBAY_HOME=…] /abs/patchbay msg status --statusline --as NAME@NS`, quoted for Claude's shell. */
export function statusLineCommand(options: { self: string[]; agent: string; patchbayHome?: string }): string {
  return patchbayCommandLine(options, ["msg", "status", "--statusline", "--as", options.agent]);
}

export function statusLineSetting(command: string): Record<string, unknown> {
  return { type: "command", command, padding: 0, refreshInterval: STATUS_LINE_REFRESH_SECONDS };
}

function isOurs(value: unknown): boolean {
  const command = (value as { command?: unknown } | null)?.command;
  return typeof command === "string" && OUR_COMMAND.test(command);
}

/** The settings file's location with the `statusLine` key (the same file as the inbox hook). */
export function statusLineLocation(settings: HostLocation): HostLocation {
  return { ...settings, path: ["statusLine"] };
}

const current = (text: string | undefined, file: string) => (text === undefined ? undefined : parseJsonObject(text, file).statusLine);

/** The file's text as `earlier` changes (planned in the same run, applied first) leave it, else as it is on disk. */
async function textAfter(file: string, earlier: readonly PlannedChange[]): Promise<string | undefined> {
  const last = earlier.findLast((planned) => planned.location.file === file);
  return last ? last.after : readText(file);
}

export async function planStatusLineInstall(
  location: HostLocation,
  setting: Record<string, unknown>,
  earlier: readonly PlannedChange[] = [],
): Promise<PlannedChange> {
  const before = await textAfter(location.file, earlier);
  const existing = current(before, location.file);
  if (isDeepStrictEqual(existing, setting)) return plannedChange(location, "unchanged", before, before);
  if (existing !== undefined && !isOurs(existing))
    throw new PatchbayError("host_setting_taken", `${location.file} already has a statusLine of its own; left untouched`, {
      next: `remove "statusLine" from ${location.file} to use patchbay's, or leave out --statusline`,
    });
  const after = setJsonValue(before ?? "", ["statusLine"], setting, location.file);
  return plannedChange(location, existing === undefined ? "added" : "updated", before, after.endsWith("\n") ? after : `${after}\n`);
}

/** Removes patchbay's statusLine (and the file, if that left it `{}`); another one stays. */
export async function planStatusLineUninstall(location: HostLocation, earlier: readonly PlannedChange[] = []): Promise<PlannedChange> {
  const before = await textAfter(location.file, earlier);
  if (!isOurs(current(before, location.file))) return plannedChange(location, "absent", before, before);
  const after = setJsonValue(before!, ["statusLine"], undefined, location.file);
  return plannedChange(location, "removed", before, /^\s*\{\s*\}\s*$/.test(after) ? undefined : after.endsWith("\n") ? after : `${after}\n`);
}
