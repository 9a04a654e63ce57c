/**
 * citty's usage text, coloured the way citty colours it. citty decides once, when it loads, and
 * leaves colour out whenever CI, TEST, TERM=dumb or NO_COLOR=1 is set, so FORCE_COLOR=1 could not
 * colour a help page in CI; patchbay takes citty's plain text and colours it where wanted.
 */
const style = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const bold = style(1, 22);
const underline = style(4, 24);
const cyan = style(36, 39);
const gray = style(90, 39);
const heading = (text: string) => underline(bold(text));

/** A table row: indent, the name column (never four spaces inside), then the description. */
const ROW = /^( +)(\S(?:.*?\S)?)(?:( {4})(.*))?$/;
const HINT = / (\((?:Required|Default: [^)]*)\))/g;

function colourLine(line: string, index: number): string {
  if (index === 0) return gray(line);
  if (/^(?:ARGUMENTS|OPTIONS|COMMANDS)$/.test(line)) return heading(line);
  const usage = /^USAGE (.*)$/.exec(line);
  if (usage) return `${heading("USAGE")} ${cyan(usage[1]!)}`;
  const more = /^Use (.+) for more information about a command\.$/.exec(line);
  if (more) return `Use ${cyan(more[1]!)} for more information about a command.`;
  const row = ROW.exec(line);
  if (!row) return line;
  const [, indent, name, gap = "", description = ""] = row;
  return `${indent}${cyan(name!)}${gap}${description.replace(HINT, (_, hint: string) => ` ${gray(hint)}`)}`;
}

/** Colours plain usage text (first line the description, then USAGE, the sections and their rows). */
export function colourUsage(plain: string): string {
  return plain.split("\n").map(colourLine).join("\n");
}
