/**
 * Findings 9 and 2: secrets a tool answer could carry are redacted, in clear and in the encodings
 * a child produces with one command. The server's own HTTP token goes through the real binary and
 * a real HTTP client; agent tokens (`pbt_…`) go through the messaging tools and their error texts.
 */
import { afterAll, afterEach, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { connectHttp } from "../support/clients.ts";
import { makeGitRepo } from "../support/git-repo.ts";
import { removeTempDirs, startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";
import { until } from "../support/until.ts";
import { messagingHarness, textOf, type MessagingHarness } from "../messaging/support.ts";

let server: TestServer | undefined;
let harness: MessagingHarness | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
  await harness?.close();
  harness = undefined;
});
afterAll(removeTempDirs);

/** Every encoding of `secret` the finding names, alone and inside longer text at each base64 alignment. */
function encodings(secret: string): string[] {
  const forms = [secret, Buffer.from(secret).toString("hex"), Buffer.from(secret).toString("hex").toUpperCase()];
  for (const prefix of ["", "k", "ke", "key="]) {
    for (const suffix of ["", "\n", "!?"]) {
      const bytes = Buffer.from(`${prefix}${secret}${suffix}`);
      const standard = bytes.toString("base64");
      forms.push(standard, standard.replace(/=+$/, ""), bytes.toString("base64url"), standard.replaceAll("+", "-").replaceAll("/", "_"));
    }
  }
  return [...new Set(forms)];
}

test("a file holding the HTTP token in clear, base64 and hex is read back with none of them", async () => {
  // Bytes chosen so the base64 forms contain `+` and `/`: the URL-safe variants differ from the standard ones.
  const token = `${randomBytes(24).toString("hex")}\u00fb\u00ff~>?`;
  const forms = encodings(token);
  const root = makeGitRepo({ "leak.txt": `${forms.map((form, i) => `line ${i}: ${form}`).join("\n")}\n` }, { prefix: "patchbay-redact-" });
  server = await startTestServer({ args: ["--root", root], env: { PATCHBAY_HTTP_TOKEN: token } });
  const client = await connectHttp("v2-legacy", server.url, { token });
  try {
    const result = await client.callTool("codex_read_file", { file_path: "leak.txt" });
    expect(result.isError).toBeFalsy();
    const shown = JSON.stringify(result);
    // The answer really is the file (one line per form), with every form gone.
    expect(shown).toContain(`line ${forms.length - 1}: `);
    expect(forms.filter((form) => shown.includes(form))).toEqual([]);
    expect(shown.split("[redacted]").length - 1).toBeGreaterThanOrEqual(forms.length);
  } finally {
    await client.close();
  }
});

test("an agent token inside a message, and inside the unread-inbox error text, is redacted", async () => {
  harness = await messagingHarness();
  await harness.agent("alice");
  const bobToken = await harness.agent("bob");
  const bob = harness.as("agent:bob@team");
  const alice = harness.as("agent:alice@team");
  await bob.ok("send_message", { to: "alice", content: `my token is ${bobToken} ok` });
  // alice has not read it yet: her send is refused, and the refusal quotes the unread message.
  const refused = await alice.call("send_message", { to: "bob", content: "hi" });
  expect(refused.isError).toBe(true);
  expect(textOf(refused)).toContain("unread");
  expect(JSON.stringify(refused)).not.toContain(bobToken);
  const inbox = await alice.call("inbox");
  expect(textOf(inbox)).toContain("my token is [redacted] ok");
  expect(JSON.stringify(inbox)).not.toContain(bobToken);
  expect(JSON.stringify(await bob.call("recall", { limit: 5 }))).not.toContain(bobToken);
});

test("the server's log (access log on) shows neither an agent token nor the HTTP token's base64 sent in a URL path", async () => {
  const token = randomBytes(32).toString("hex");
  const agentToken = `pbt_${randomBytes(32).toString("base64url")}`;
  const encoded = Buffer.from(token).toString("base64url");
  const home = tempDir();
  writeFileSync(join(home, "config.toml"), "[logging]\naccess_log = true\n");
  server = await startTestServer({ home, env: { PATCHBAY_HTTP_TOKEN: token } });
  const origin = new URL(server.url).origin;
  for (const path of [`/${agentToken}`, `/files/${encoded}`]) expect((await fetch(`${origin}${path}`)).status).toBe(404);
  // The access line is written once the answer is; wait for both lines, bounded.
  const started = server;
  await until(() => (started.stderr().match(/GET \/\S* 404/g) ?? []).length, "both access lines", { accept: (lines) => lines >= 2 });
  const logged = server.stderr();
  expect(logged.match(/GET \/\S* 404/g)).toHaveLength(2);
  expect(logged).not.toContain(agentToken);
  expect(logged).not.toContain(encoded);
});
