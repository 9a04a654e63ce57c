/**
 * Which base the URLs handed to a caller start from, decided from the request the call came in on
 * (the server passes it in the tool context): server.public_url first, else the caller's own Host,
 * else (this machine) the listener with a wildcard bind read as loopback. A remote caller whose
 * request names no usable host gets no URL at all and the step that fixes it.
 */
import { afterEach, expect, test } from "bun:test";
import { type MessagingHarness, messagingHarness, textOf } from "./support.ts";

let harness: MessagingHarness;
afterEach(async () => harness.close());

const request = (host: string) => new Request(`http://${host}/mcp`, { method: "POST", headers: { host } });

async function uploadUrl(options: { request?: Request }): Promise<string> {
  const result = await harness.as("agent:alice@team").call("upload_attachment", { filename: "a.txt" }, options);
  if (result.isError) throw new Error(textOf(result));
  return (result.structuredContent as { upload_url: string }).upload_url;
}

test("a wildcard listener: this machine gets loopback, a LAN caller its own Host, a caller naming the wildcard nothing", async () => {
  harness = await messagingHarness({ endpoints: ["http://0.0.0.0:8000/mcp"] });
  await harness.agent("alice");
  expect(await uploadUrl({})).toStartWith("http://127.0.0.1:8000/attachments/team/alice/");
  expect(await uploadUrl({ request: request("127.0.0.1:8000") })).toStartWith("http://127.0.0.1:8000/attachments/");
  expect(await uploadUrl({ request: request("192.0.2.9:8000") })).toStartWith("http://192.0.2.9:8000/attachments/");

  const refused = await harness.as("agent:alice@team").call("upload_attachment", { filename: "a.txt" }, { request: request("0.0.0.0:8000") });
  expect(refused.isError).toBe(true);
  expect((refused._meta?.["patchbay/error"] as { code: string }).code).toBe("public_url_unknown");
  expect(textOf(refused)).toContain("server.public_url");
  expect(JSON.stringify(refused)).not.toContain("/attachments/");
});

test("server.public_url is the base for every caller, its path prefix kept", async () => {
  harness = await messagingHarness({ endpoints: ["http://0.0.0.0:8000/mcp"], configToml: '[server]\npublic_url = "https://pb.example.test/team/"\n' });
  await harness.agent("alice");
  for (const options of [{}, { request: request("127.0.0.1:8000") }, { request: request("192.0.2.9:8000") }])
    expect(await uploadUrl(options)).toStartWith("https://pb.example.test/team/attachments/team/alice/");
});
