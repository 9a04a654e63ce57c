/**
 * The team's overlap and conflict warnings as the board shows them, from codex_worker_list's
 * `conflicts` (one entry per active isolated worker; a pair is listed on both sides). A conflict
 * needs a person: each conflicting pair, and each worker that no longer merges with its base,
 * is one item waiting on you.
 */
import type { Json } from "./tools.ts";
import type { Waiting } from "./snapshot.ts";

interface PeerEntry {
  worker: string;
  overlapping_files: string[];
  conflicting_files: string[];
}

export interface ConflictEntry {
  worker: string;
  worker_id: string;
  base_conflicts: string[];
  peers: PeerEntry[];
}

const baseLine = (entry: ConflictEntry) => `${entry.worker} conflicts with the current base in ${entry.base_conflicts.join(", ")}`;

function peerLine(worker: string, peer: PeerEntry): string {
  return peer.conflicting_files.length
    ? `${worker} conflicts with ${peer.worker} in ${peer.conflicting_files.join(", ")}`
    : `${worker} and ${peer.worker} both changed ${peer.overlapping_files.join(", ")} (they merge cleanly)`;
}

/** One worker's warnings, worded as the team report words them. */
export function warningsOf(entry: ConflictEntry | undefined): string[] {
  if (!entry) return [];
  return [...(entry.base_conflicts.length ? [baseLine(entry)] : []), ...entry.peers.map((peer) => peerLine(entry.worker, peer))];
}

/** What waits on a person in one repository: each conflicting pair once, each worker its base left behind. */
export function conflictsWaiting(repo: string, entries: ConflictEntry[]): Waiting[] {
  const waiting: Waiting[] = [];
  for (const entry of entries) {
    if (entry.base_conflicts.length) waiting.push({ kind: "conflict", repo, id: entry.worker, title: baseLine(entry) });
    for (const peer of entry.peers)
      if (peer.conflicting_files.length && entry.worker < peer.worker)
        waiting.push({ kind: "conflict", repo, id: `${entry.worker}, ${peer.worker}`, title: peerLine(entry.worker, peer) });
  }
  return waiting;
}

/** The list's `conflicts` of a codex_worker_list answer. */
export const conflictEntries = (data: Json | undefined): ConflictEntry[] => (data?.conflicts ?? []) as ConflictEntry[];
