/**
 * An agent's output cut into whole lines for the logs that redact and leave out quiet lines a
 * line at a time (the job log, the pipeline's phase log). A line is held until its newline, up
 * to `maxHeld` characters; a longer one is judged by what was held, and the rest of it follows
 * that verdict up to its newline: dropped when quiet, else passed on as it arrives. So a long
 * quiet line (a claude stream event carrying a large tool result) never reaches a log in pieces.
 */

export interface LineCutter {
  /** The text of `chunk` and the lines held before it that the log gets now: whole kept lines, or pieces of a long kept one. */
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
  /** The verdict on the long line under way, until its newline. */
  let long: "drop" | "pass" | undefined;
  return {
    push(chunk) {
      let text = chunk;
      let out = "";
      if (long) {
        const newline = text.indexOf("\n");
        if (newline < 0) return long === "pass" ? text : "";
        if (long === "pass") out = text.slice(0, newline + 1);
        long = undefined;
        text = text.slice(newline + 1);
      }
      text = held + text;
      const cut = text.lastIndexOf("\n") + 1;
      out += withoutQuiet(text.slice(0, cut), quiet);
      held = text.slice(cut);
      if (held.length > maxHeld) {
        long = quiet?.(held) ? "drop" : "pass";
        if (long === "pass") out += held;
        held = "";
      }
      return out;
    },
    end() {
      const last = held;
      held = "";
      long = undefined;
      return last && !quiet?.(last) ? last : "";
    },
  };
}
