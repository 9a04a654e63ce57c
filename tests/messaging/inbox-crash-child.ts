/**
 * Child for the inbox crash test: in the home on argv, alice sends COUNT messages to bob, then bob
 * takes his inbox twice (half, then the rest); the process SIGKILLs itself just before its `dieAt`-th
 * storage write of a message or meta record made by the takes (fs: a rename into place or an
 * unlink; redis: a SET, a DEL, an UNLINK or a MULTI's EXEC), so every point between two writes can be
 * a crash. Prints `sent <id>` per message, `taken <id>` per message a take handed over (written
 * synchronously, before anything else runs), and `writes <n>` when it ran to the end.
 */
import { readdirSync, writeSync } from "node:fs";
import { join } from "node:path";
import { beforeStorageWrites } from "../support/write-hooks.ts";
import { messagingHarness } from "./support.ts";

const [home = "", dieAt = "0", count = "12", configToml = ""] = process.argv.slice(2);
let armed = false;
let writes = 0;
const STORED = /records[/:](message|meta)[/:]|index/;
function beforeWrite(target: unknown): void {
  if (!armed || (typeof target === "string" && !STORED.test(target))) return;
  if (++writes === Number(dieAt)) process.kill(process.pid, "SIGKILL");
}
beforeStorageWrites(beforeWrite, { commands: ["set", "unlink", "del"], multi: true });

const print = (line: string) => writeSync(1, `${line}\n`);
const harness = await messagingHarness({ home, ...(configToml && { configToml }) });
await harness.agent("alice");
await harness.agent("bob");
const alice = harness.as("agent:alice@team");
for (let i = 0; i < Number(count); i++) {
  const sent = await alice.ok<{ sent: Array<{ message_id: string }> }>("send_message", { to: "bob", content: `m${i}` });
  print(`sent ${sent.sent[0]!.message_id}`);
}
armed = true;
const bob = harness.as("agent:bob@team");
for (const limit of [Number(count) / 2, Number(count)]) {
  const inbox = await bob.ok<{ pending: Array<{ message_id: string }> }>("inbox", { limit });
  for (const message of inbox.pending) print(`taken ${message.message_id}`);
}
// The records are rewritten after the answers (fs): wait for the receipts to go, so those writes are crash points too.
const receipts = () => readdirSync(join(home, "state", "records", "meta"), { withFileTypes: true }).filter((entry) => entry.name.startsWith("inbox-read-"));
for (const deadline = Date.now() + 10_000; !configToml && receipts().length > 0 && Date.now() < deadline; )
  await new Promise((resolve) => setTimeout(resolve, 10));
await harness.close();
print(`writes ${writes}`);
