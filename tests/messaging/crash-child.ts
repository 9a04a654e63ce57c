/** Sends messages in a home given on argv, reports each acknowledged id, then sleeps until killed. */
import { messagingHarness } from "./support.ts";

const home = process.argv[2]!;
const harness = await messagingHarness({ home });
await harness.agent("alice");
await harness.agent("bob");
const alice = harness.as("agent:alice@team");
for (let i = 0; i < 20; i++) {
  const sent = await alice.ok<{ sent: Array<{ message_id: string }> }>("send_message", { to: "bob", content: `m${i}`, idempotency_key: `key-${i}` });
  process.stdout.write(`${sent.sent[0]!.message_id}\n`);
}
process.stdout.write("done\n");
await new Promise(() => {});
