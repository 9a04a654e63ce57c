/**
 * A unified diff of two texts, for `--dry-run`. Config edits touch one small region, so the common
 * head and tail are trimmed first and only the middle is compared line by line.
 *
 * @example
 * unifiedDiff("a\nb\n", "a\nc\n", "config.toml"); // "--- config.toml\n+++ config.toml\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"
 */
export function unifiedDiff(before: string, after: string, label: string, context = 3): string {
  if (before === after) return "";
  const a = splitLines(before);
  const b = splitLines(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const middle = lcsOps(a.slice(head, a.length - tail), b.slice(head, b.length - tail));
  const ops: Op[] = [...a.slice(0, head).map((line): Op => [" ", line]), ...middle, ...a.slice(a.length - tail).map((line): Op => [" ", line])];
  return [`--- ${label}`, `+++ ${label}`, ...hunks(ops, context)].join("\n") + "\n";
}

type Op = [" " | "-" | "+", string];

function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

function lcsOps(a: string[], b: string[]): Op[] {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const table = new Uint32Array(rows * cols);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i * cols + j] = a[i] === b[j] ? table[(i + 1) * cols + j + 1]! + 1 : Math.max(table[(i + 1) * cols + j]!, table[i * cols + j + 1]!);
    }
  }
  const ops: Op[] = [];
  let [i, j] = [0, 0];
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) ops.push([" ", a[i++]!]), j++;
    else if (i < a.length && (j === b.length || table[(i + 1) * cols + j]! >= table[i * cols + j + 1]!)) ops.push(["-", a[i++]!]);
    else ops.push(["+", b[j++]!]);
  }
  return ops;
}

function hunks(ops: Op[], context: number): string[] {
  const changed = ops.flatMap((op, index) => (op[0] === " " ? [] : [index]));
  const out: string[] = [];
  let cursor = 0;
  while (cursor < changed.length) {
    const start = Math.max(0, changed[cursor]! - context);
    let end = changed[cursor]!;
    while (cursor < changed.length && changed[cursor]! - end <= 2 * context) end = changed[cursor++]!;
    end = Math.min(ops.length - 1, end + context);
    const slice = ops.slice(start, end + 1);
    const oldStart = ops.slice(0, start).filter((op) => op[0] !== "+").length;
    const newStart = ops.slice(0, start).filter((op) => op[0] !== "-").length;
    const oldCount = slice.filter((op) => op[0] !== "+").length;
    const newCount = slice.filter((op) => op[0] !== "-").length;
    out.push(`@@ -${oldStart + (oldCount ? 1 : 0)},${oldCount} +${newStart + (newCount ? 1 : 0)},${newCount} @@`, ...slice.map(([mark, line]) => mark + line));
  }
  return out;
}
