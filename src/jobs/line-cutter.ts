/**
 * An agent's output cut into whole lines for the logs that redact and leave out quiet lines a
 * line at a time (the job log, the pipeline's phase log). A line is held until its newline, up
 * to `maxHeld` characters; a longer one is judged by what was held: dropped whole when quiet,
 * else cut: what was held goes on without its last CUT_MARGIN characters, with a note, and the
 * rest of the line up to its newline is left out. So a long quiet line (a claude stream event
 * carrying a large tool result) never reaches a log in pieces, and a line that reaches a log was
 * redacted whole: a secret that straddled the cut lies in the margin left out, never half shown.
 */

/** Longer than any secret the redactor knows the shape of (a 4096-bit PEM key is about 3.3 KB). */
const CUT_MARGIN = 16 * 1024;

export interface LineCutter {
  /** The text of `chunk` and the lines held before it that the log gets now: whole kept lines, or the cut start of a long one. */
  push(chunk: string): string;
  /** What was held of a last line without its newline, unless it is quiet. */
  end(): string;
}

/** The lines of `text` (each with its newline) that `quiet` does not leave out. */
function withoutQuiet(text: string, quiet: ((line: string) => boolean) | undefined): string {
  return quiet
    ? text
        .split(/(?<=\n)/)
        .filter((line) => !quiet(line))
        .join("")
    : text;
}

export function createLineCutter(maxHeld: number, quiet?: (line: string) => boolean): LineCutter {
  let held = "";
  /** A long line under way is left out until its newline. */
  let long = false;
  return {
    push(chunk) {
      let text = chunk;
      let out = "";
      if (long) {
        const newline = text.indexOf("\n");
        if (newline < 0) return "";
        long = false;
        text = text.slice(newline + 1);
      }
      text = held + text;
      const cut = text.lastIndexOf("\n") + 1;
      out += withoutQuiet(text.slice(0, cut), quiet);
      held = text.slice(cut);
      if (held.length > maxHeld) {
        if (!quiet?.(held)) out += `${held.slice(0, held.length - CUT_MARGIN)}\n[patchbay: a line over ${maxHeld} characters, the rest of it left out]\n`;
        long = true;
        held = "";
      }
      return out;
    },
    end() {
      const last = held;
      held = "";
      long = false;
      return last && !quiet?.(last) ? last : "";
    },
  };
}
