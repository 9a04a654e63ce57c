/**
 * The SDK's stdio reader skips a line that is not JSON without a word, so a client that sent one
 * waits forever. Every line is looked at here too: one that does not parse is answered with
 * JSON-RPC's parse error (-32700, id null), as the HTTP endpoint answers such a body, and the
 * session goes on.
 */
import type { Readable, Writable } from "node:stream";
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
 * Answers on `output` every line of `input` that is not JSON; blank lines are left alone. Call it
 * once the session's reader listens on `input` (serveStdioSession): it listens beside that reader,
 * which reads every chunk itself and skips such a line, so no stream stage sits between the host
 * and the SDK (a Transform in front of the reader cost each message a stream stage).
 *
 * @example
 * serveStdioSession(host, registry, state, { input: socket, output: socket });
 * answerParseErrors(socket, socket);
 */
export function answerParseErrors(input: Readable, output: Writable): void {
  const decoder = new StringDecoder("utf8"); // a character split across chunks stays whole
  let pending = "";
  const inspect = (chunk: Buffer | string) => {
    pending += typeof chunk === "string" ? chunk : decoder.write(chunk);
    const parts = pending.split("\n");
    pending = parts.pop()!;
    for (const part of parts) {
      const line = part.replace(/\r$/, "");
      if (line.trim() !== "" && !parses(line)) output.write(PARSE_ERROR_LINE);
    }
  };
  input.on("data", inspect);
  // An unterminated last line is the reader's to judge, as it would be without this.
  input.once("end", () => input.off("data", inspect));
}
