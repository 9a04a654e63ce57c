/**
 * The relay hop by answer size: `codex_read_file` of files sized so that its answer is about
 * 250 B, 600 B, 2.6 KB and 20 KB, relayed and `--standalone`, taking turns with every other row.
 * The hop is the difference of the two medians: the same server code answers both.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ToolCall } from "./client.ts";

/** Lines of 63 characters: each is 130 bytes of the answer (its text and its structured copy). */
const SIZES = [
  { label: "250 B", lines: 0 },
  { label: "600 B", lines: 3 },
  { label: "2.6 KB", lines: 18 },
  { label: "20 KB", lines: 152 },
];

export interface HopCall {
  label: string;
  call: ToolCall;
}

/** Writes the files under `repo/hop/` and returns a read of each. */
export function writeHopFiles(repo: string): HopCall[] {
  mkdirSync(join(repo, "hop"), { recursive: true });
  return SIZES.map(({ label, lines }) => {
    const path = `hop/answer-${lines}.txt`;
    const text =
      lines === 0 ? "x\n" : Array.from({ length: lines }, (_, n) => `${String(n).padStart(4, "0")} ${"relay hop ".repeat(6)}`.padEnd(63, ".")).join("\n");
    writeFileSync(join(repo, path), lines === 0 ? text : `${text}\n`);
    return { label, call: { name: "codex_read_file", args: { file_path: path } } };
  });
}

export interface HopFigures {
  label: string;
  bytes: number;
  relay: number;
  standalone: number;
  /** relay − standalone: within a round, or the median of the rounds' differences. */
  hop: number;
}

const ms = (value: number) => `${value.toFixed(3)} ms`;

export function renderHopTable(rows: readonly HopFigures[]): string {
  const lines = [
    "| `codex_read_file` answer | bytes | stdio (relay) median | stdio --standalone median | relay hop (relay − standalone) | target | met |",
    "|---|--:|--:|--:|--:|---|---|",
  ];
  for (const row of rows) {
    lines.push(
      `| ~${row.label} | ${row.bytes} | ${ms(row.relay)} | ${ms(row.standalone)} | ${ms(row.hop)} | < 0.10 ms | ${row.hop < 0.1 ? "yes" : "**no**"} |`,
    );
  }
  return lines.join("\n");
}
