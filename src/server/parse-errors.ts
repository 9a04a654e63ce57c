/**
 * The SDK's stdio reader skips a line that is not JSON without a word, so a client that sent one
 * waits forever. Every line is looked at here too: one that does not parse is answered with
 * JSON-RPC's parse error (-32700, id null), as the HTTP endpoint answers such a body, and the
 * session goes on.
 */
import type { Readable, Writable } from "node:stream";
import { STDIO_DEFAULT_MAX_BUFFER_SIZE } from "@modelcontextprotocol/server";
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
    const text = typeof chunk === "string" ? chunk : decoder.write(chunk);
    // Only a chunk that ends a line needs a look: a long message is split once, when its end arrives.
    if (!text.includes("\n")) {
      pending += text;
      // The SDK's reader refuses a message this long and closes the session: nothing is left to answer.
      if (pending.length > STDIO_DEFAULT_MAX_BUFFER_SIZE) {
        input.off("data", inspect);
        pending = "";
      }
      return;
    }
    const parts = (pending + text).split("\n");
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
