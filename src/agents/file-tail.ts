import { closeSync, openSync, readSync, statSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";

/**
 * The text appended to a file another process writes, since the last look: for usage the agent
 * CLIs write to their own files while a turn runs. A missing or unreadable file reads as "".
 *
 * @example
 * const tail = fileTail("/path/rollout.jsonl");
 * tail.read(); // what was appended since the last read
 */
export function fileTail(file: string): { read(): string } {
  let offset = 0;
  // A multi-byte character split between two reads is decoded whole on the next one.
  const decoder = new StringDecoder("utf8");
  return {
    read() {
      const appended = readFrom(file, offset);
      offset += appended.length;
      return decoder.write(appended);
    },
  };
}

function readFrom(file: string, offset: number): Buffer {
  let fd: number | undefined;
  try {
    const size = statSync(file).size;
    if (size <= offset) return Buffer.alloc(0);
    fd = openSync(file, "r");
    const buffer = Buffer.alloc(size - offset);
    return buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, offset));
  } catch {
    return Buffer.alloc(0);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
