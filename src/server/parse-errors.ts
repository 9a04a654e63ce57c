/**
 * The SDK's stdio reader skips a line that is not JSON without a word, so a client that sent one
 * waits forever. Lines pass through here first: one that does not parse is answered with JSON-RPC's
 * parse error (-32700, id null), as the HTTP endpoint answers such a body, and the session goes on.
 */
import { type Readable, Transform, type Writable } from "node:stream";
import { StringDecoder } from "node:string_decoder";

/** The answer to a line that is not JSON. */
export const PARSE_ERROR_LINE = `${JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error: the line is not valid JSON" } })}\n`;

function parses(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

/**
 * `input` with every line that is not JSON answered on `output` and left out; blank lines are
 * left out silently, everything else passes as it came.
 *
 * @example
 * serveStdioSession(host, registry, state, { input: answerParseErrors(socket, socket), output: socket });
 */
export function answerParseErrors(input: Readable, output: Writable): Readable {
  const decoder = new StringDecoder("utf8"); // a character split across chunks stays whole
  let pending = "";
  const lines = new Transform({
    decodeStrings: false,
    transform(chunk: Buffer | string, _encoding, done) {
      pending += typeof chunk === "string" ? chunk : decoder.write(chunk);
      const parts = pending.split("\n");
      pending = parts.pop()!;
      for (const part of parts) {
        const line = part.replace(/\r$/, "");
        if (line.trim() === "") continue;
        if (parses(line)) this.push(`${line}\n`);
        else output.write(PARSE_ERROR_LINE);
      }
      done();
    },
    flush(done) {
      // An unterminated last line is the reader's to judge, as it would be without this filter.
      pending += decoder.end();
      if (pending) this.push(pending);
      done();
    },
  });
  input.on("error", (error) => lines.destroy(error));
  return input.pipe(lines);
}
