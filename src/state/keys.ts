/**
 * Safe storage keys. Every key is built here from a validated kind and id, because unstorage
 * silently rewrites unsafe input: it drops everything after `?`, turns `/` into `:`, and a key
 * that is both a value and a prefix fails with ENOTDIR/EISDIR.
 */
import { PatchbayError } from "../errors/index.ts";

/** The record kinds patchbay stores; extend this list to add one. */
export const RECORD_KINDS = [
  "job",
  "worker",
  "run",
  "message",
  "artifact",
  "token",
  "session",
  "meta",
  "agent",
  "thread",
  "ban",
  "attachment",
  "oauth_client",
  "oauth_grant",
  "oauth_secret",
] as const;

export type RecordKind = (typeof RECORD_KINDS)[number];

/** Ids become one path segment on disk: short, portable characters, never `.` or `..`. */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Records live at leaves under this prefix, so no record key is ever also a prefix. */
const RECORDS_PREFIX = "records";

export function isRecordKind(value: unknown): value is RecordKind {
  return typeof value === "string" && (RECORD_KINDS as readonly string[]).includes(value);
}

export function isRecordId(value: unknown): value is string {
  return typeof value === "string" && ID_PATTERN.test(value) && !value.includes("..");
}

export function assertRecordKind(value: unknown): asserts value is RecordKind {
  if (isRecordKind(value)) return;
  throw new PatchbayError("invalid_key", `record kind ${JSON.stringify(value)} is not one of ${RECORD_KINDS.join(", ")}`, {
    next: "use one of the record kinds exported by src/state",
    details: { kind: value },
  });
}

export function assertRecordId(value: unknown): asserts value is string {
  if (isRecordId(value)) return;
  throw new PatchbayError("invalid_key", `record id ${JSON.stringify(value)} is not a safe id`, {
    next: 'use 1-128 characters from A-Z a-z 0-9 _ . - starting with a letter or digit, without ".."',
    details: { id: value },
  });
}

/** `records:<kind>:<id>`, after checking both parts. */
export function recordKey(kind: RecordKind, id: string): string {
  assertRecordKind(kind);
  assertRecordId(id);
  return `${RECORDS_PREFIX}:${kind}:${id}`;
}

/** The prefix that lists every record of one kind. */
export function recordPrefix(kind: RecordKind): string {
  assertRecordKind(kind);
  return `${RECORDS_PREFIX}:${kind}`;
}

/** The id of a key that `recordKey(kind, id)` could have built, or undefined for anything else. */
export function recordIdFromKey(kind: RecordKind, key: string): string | undefined {
  const prefix = `${recordPrefix(kind)}:`;
  if (!key.startsWith(prefix)) return undefined;
  const id = key.slice(prefix.length);
  return isRecordId(id) ? id : undefined;
}
