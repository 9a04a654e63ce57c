/**
 * The Claude Code `Stop` hook that `patchbay mcp install claude --inbox-hook` adds: when Claude is
 * about to stop, it runs `patchbay msg hook --as NAME@NS`, which blocks the stop (and so makes the
 * agent go on) while unread patchbay messages wait for that agent.
 *
 * Claude Code (checked against 2.1.332's own settings schema) reads hooks from
 * `$CLAUDE_CONFIG_DIR/settings.json` or `~/.claude/settings.json` (user), `<root>/.claude/settings.json`
 * (project) and `<root>/.claude/settings.local.json` (local), as
 * `{"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "…", "timeout": 10}]}]}}`.
 * Patchbay's group is recognised by its `statusMessage`, so uninstall removes that group and
 * nothing else (other Stop hooks, other events and other keys stay as they were).
 */
import { isDeepStrictEqual } from "node:util";
import { homedir } from "node:os";
import { join } from "node:path";
import { applyEdits, modify } from "jsonc-parser";
import type { Env } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { unifiedDiff } from "./diff.ts";
import { readText } from "./files.ts";
import type { HostLocation } from "./hosts/adapter.ts";
import type { PlannedChange } from "./install.ts";
import { parseJsonObject, setJsonValue } from "./json-edit.ts";

/** The marker of patchbay's hook group (also what Claude shows in its spinner while it runs). */
export const INBOX_HOOK_STATUS = "patchbay: checking the inbox";
/** Claude's own limit for the hook, in seconds; `patchbay msg hook` gives up after 3 s by itself. */
export const INBOX_HOOK_TIMEOUT_SECONDS = 10;

/** Where Claude Code keeps the settings (hooks) of `scope`: local, user or project. */
export function claudeSettingsLocation(scope: string, options: { root: string; env?: Env }): HostLocation {
  const env = options.env ?? process.env;
  const base = { host: "claude" as const, scope, format: "json" as const, path: ["hooks", "Stop"] };
  if (scope === "user") return { ...base, file: join(env.CLAUDE_CONFIG_DIR || join(env.HOME || homedir(), ".claude"), "settings.json") };
  if (scope === "project") return { ...base, file: join(options.root, ".claude", "settings.json") };
  return { ...base, file: join(options.root, ".claude", "settings.local.json") };
}

/** Where Claude Code loads skills from at `scope`: `~/.claude/skills` (user) or the repository's `.claude/skills`. */
export function claudeSkillsFolder(scope: string, options: { root: string; env?: Env }): string {
  const env = options.env ?? process.env;
  if (scope === "user") return join(env.CLAUDE_CONFIG_DIR || join(env.HOME || homedir(), ".claude"), "skills");
  return join(options.root, ".claude", "skills");
}

/** A word as POSIX sh (and bash, which Claude runs hook commands with) reads it back unchanged. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

export interface InboxHookOptions {
  /** The argv that runs this patchbay (`selfCommand()`). */
  self: string[];
  /** NAME@NAMESPACE, as messaging writes it (the caller parsed and checked it). */
  agent: string;
  /** PATCHBAY_HOME to pass on when it is not the default, so the hook reads this server's state. */
  patchbayHome?: string;
}

/** `[PATCHBAY_HOME=…] /abs/patchbay msg hook --as NAME@NS`, quoted for Claude's shell. */
export function inboxHookCommand(options: InboxHookOptions): string {
  return patchbayCommandLine(options, ["msg", "hook", "--as", options.agent]);
}

/** `[PATCHBAY_HOME=…] <self> ARGS…`, quoted for the shell Claude runs hook and status line commands with. */
export function patchbayCommandLine(options: { self: string[]; patchbayHome?: string }, args: string[]): string {
  const words = [...options.self, ...args].map(shellQuote).join(" ");
  return options.patchbayHome ? `PATCHBAY_HOME=${shellQuote(options.patchbayHome)} ${words}` : words;
}

/** The matcher group patchbay adds to `hooks.Stop` (Stop takes no matcher). */
export function inboxHookGroup(command: string): Record<string, unknown> {
  return { hooks: [{ type: "command", command, timeout: INBOX_HOOK_TIMEOUT_SECONDS, statusMessage: INBOX_HOOK_STATUS }] };
}

/** A group patchbay added: one command hook carrying patchbay's marker. */
export function isInboxHookGroup(group: unknown): boolean {
  if (typeof group !== "object" || group === null || Array.isArray(group)) return false;
  const hooks = (group as { hooks?: unknown }).hooks;
  if (!Array.isArray(hooks) || hooks.length !== 1) return false;
  const hook = hooks[0] as { type?: unknown; command?: unknown; statusMessage?: unknown } | null;
  return hook?.type === "command" && hook.statusMessage === INBOX_HOOK_STATUS && typeof hook.command === "string" && hook.command.includes(" msg hook");
}

function stopGroups(text: string | undefined, file: string): unknown[] | undefined {
  if (text === undefined) return undefined;
  const doc = parseJsonObject(text, file);
  const hooks = doc.hooks;
  if (hooks === undefined) return undefined;
  if (typeof hooks !== "object" || hooks === null || Array.isArray(hooks)) {
    throw new PatchbayError("config_unreadable", `${file}: "hooks" is not an object; left untouched`, { next: `fix "hooks" in ${file}` });
  }
  const stop = (hooks as Record<string, unknown>).Stop;
  if (stop === undefined) return undefined;
  if (!Array.isArray(stop))
    throw new PatchbayError("config_unreadable", `${file}: "hooks.Stop" is not an array; left untouched`, { next: `fix "hooks.Stop" in ${file}` });
  return stop;
}

/** Indentation as the file has it (see json-edit.ts). */
function formattingOf(text: string) {
  const indent = /\n([ \t]+)\S/.exec(text)?.[1];
  if (indent?.startsWith("\t")) return { insertSpaces: false, tabSize: 1, eol: "\n" };
  return { insertSpaces: true, tabSize: indent ? Math.min(indent.length, 8) : 2, eol: text.includes("\r\n") ? "\r\n" : "\n" };
}

function editArray(text: string, index: number, value: unknown, insert: boolean): string {
  const edits = modify(text, ["hooks", "Stop", index], value, { formattingOptions: formattingOf(text), isArrayInsertion: insert });
  return applyEdits(text, edits);
}

/** A planned edit of one file: its text before and after, and the diff between them. */
export function plannedChange(location: HostLocation, status: PlannedChange["status"], before: string | undefined, after: string | undefined): PlannedChange {
  return { location, status, before, after, diff: after === before ? "" : unifiedDiff(before ?? "", after ?? "", location.file) };
}

/** Adds patchbay's Stop group (or replaces an older one of patchbay's); nothing else changes. */
export async function planHookInstall(location: HostLocation, group: Record<string, unknown>): Promise<PlannedChange> {
  const before = await readText(location.file);
  const groups = stopGroups(before, location.file);
  if (groups === undefined)
    return plannedChange(
      location,
      "added",
      before,
      setJsonValue(before ?? "", ["hooks", "Stop"], [group] as unknown as Record<string, unknown>, location.file),
    );
  const ours = groups.findIndex(isInboxHookGroup);
  if (ours >= 0 && isDeepStrictEqual(groups[ours], group) && groups.filter(isInboxHookGroup).length === 1)
    return plannedChange(location, "unchanged", before, before);
  let after = before!;
  // Older patchbay groups (another agent, another binary) give way to this one.
  for (let index = groups.length - 1; index >= 0; index--)
    if (isInboxHookGroup(groups[index]) && index !== ours) after = editArray(after, index, undefined, false);
  const kept = ours >= 0 ? groups.slice(0, ours).filter((g) => !isInboxHookGroup(g)).length : -1;
  after = kept >= 0 ? editArray(after, kept, group, false) : editArray(after, groups.filter((g) => !isInboxHookGroup(g)).length, group, true);
  if (!after.endsWith("\n")) after += "\n";
  return plannedChange(location, ours >= 0 ? "updated" : "added", before, after);
}

/** Removes patchbay's Stop group(s), then `Stop` and `hooks` if that left them empty, then the file if it is `{}`. */
export async function planHookUninstall(location: HostLocation): Promise<PlannedChange> {
  const before = await readText(location.file);
  const groups = stopGroups(before, location.file);
  if (!groups?.some(isInboxHookGroup)) return plannedChange(location, "absent", before, before);
  let after = before!;
  for (let index = groups.length - 1; index >= 0; index--) if (isInboxHookGroup(groups[index])) after = editArray(after, index, undefined, false);
  if (groups.every(isInboxHookGroup)) after = setJsonValue(after, ["hooks", "Stop"], undefined, location.file);
  if (!after.endsWith("\n")) after += "\n";
  return plannedChange(location, "removed", before, /^\s*\{\s*\}\s*$/.test(after) ? undefined : after);
}
