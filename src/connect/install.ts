import { isDeepStrictEqual } from "node:util";
import { unifiedDiff } from "./diff.ts";
import { assertFolderExists, backupFile, readText, removeFile, writeTextAtomic } from "./files.ts";
import type { HostLocation } from "./hosts/adapter.ts";
import { parseJsonObject, setJsonValue } from "./json-edit.ts";
import { parseToml, setTomlTable, valueAt } from "./toml-edit.ts";

export type ChangeStatus = "added" | "updated" | "unchanged" | "removed" | "absent";

/** One host file before and after an install or uninstall; nothing is written until `applyChange`. */
export interface PlannedChange {
  location: HostLocation;
  status: ChangeStatus;
  before: string | undefined;
  /** undefined: the file is removed (uninstall left nothing in a file install created). */
  after: string | undefined;
  diff: string;
}

/** The entry currently registered at the location, if any (the file must parse). */
export async function readEntry(location: HostLocation): Promise<unknown> {
  const text = await readText(location.file);
  if (text === undefined) return undefined;
  const doc = location.format === "toml" ? parseToml(text, location.file) : parseJsonObject(text, location.file);
  return valueAt(doc, location.path);
}

function edit(location: HostLocation, text: string, entry: Record<string, unknown> | undefined): string {
  if (location.format === "toml") return setTomlTable(text, location.path as [string, string], entry, location.file);
  return setJsonValue(text, location.path, entry, location.file);
}

/**
 * What install would change: nothing when the same entry is already there (patchbay is idempotent).
 * Whatever would stop the write is checked here, so a dry run fails where the install would.
 */
export async function planInstall(location: HostLocation, entry: Record<string, unknown>): Promise<PlannedChange> {
  if (location.dirMustExist) await assertFolderExists(location.file);
  const before = await readText(location.file);
  const current =
    before === undefined
      ? undefined
      : valueAt(location.format === "toml" ? parseToml(before, location.file) : parseJsonObject(before, location.file), location.path);
  if (isDeepStrictEqual(current, entry)) return { location, status: "unchanged", before, after: before, diff: "" };
  const after = edit(location, before ?? "", entry);
  return { location, status: current === undefined ? "added" : "updated", before, after, diff: unifiedDiff(before ?? "", after, location.file) };
}

/** What uninstall would change: the entry (and containers it leaves empty) removed, nothing else. */
export async function planUninstall(location: HostLocation): Promise<PlannedChange> {
  const before = await readText(location.file);
  if (before === undefined || (await readEntry(location)) === undefined) return { location, status: "absent", before, after: before, diff: "" };
  const edited = edit(location, before, undefined);
  const after = isEmptyDocument(edited, location) ? undefined : edited;
  return { location, status: "removed", before, after, diff: unifiedDiff(before, after ?? "", location.file) };
}

function isEmptyDocument(text: string, location: HostLocation): boolean {
  return location.format === "toml" ? text.trim() === "" : /^\s*\{\s*\}\s*$/.test(text);
}

/** Writes the planned change after backing the old file up; returns the backup's path. */
export async function applyChange(change: PlannedChange, home: string): Promise<string | undefined> {
  if (change.after === change.before) return undefined;
  const backup = change.before === undefined ? undefined : await backupFile(change.location.file, home, change.location.host);
  if (change.after === undefined) await removeFile(change.location.file);
  else await writeTextAtomic(change.location.file, change.after, { dirMustExist: change.location.dirMustExist });
  return backup;
}
