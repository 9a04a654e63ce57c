/**
 * A relay made of the FFI pump alone, for tests/runtime/fd-pump.test.ts: connects to the port in
 * argv[2], sends a hello line, reads the answer line, then pumps stdin/stdout until the connection
 * ends. Says on stderr what it saw, and exits 3 where there is no pump.
 */
import { openFdPump } from "../../src/runtime/index.ts";

const pump = await openFdPump(Number(process.argv[2]));
if (!pump) {
  process.stderr.write("no pump\n");
  process.exit(3);
}
pump.send(new TextEncoder().encode("hello\n"));
const line = pump.readLine(10_000);
process.stderr.write(`answer: ${line ? new TextDecoder().decode(line) : "none"}\n`);
process.stderr.write(`ended: ${pump.run()}\n`);
pump.close();
