import { afterEach, describe, expect, test } from "bun:test";
import { isBlockedAddress, relayFetch, type RelayResponse } from "../../src/messaging/index.ts";
import { messagingHarness, type MessagingHarness } from "./support.ts";

const PUBLIC = "93.184.216.34";
const resolve = async (host: string) => ({ "public.test": [PUBLIC], "loop.test": ["127.0.0.1"], "mixed.test": [PUBLIC, "10.0.0.5"], "127.0.0.1.sslip.io": ["127.0.0.1"] })[host] ?? [];

function answer(status: number, body = "", location?: string): RelayResponse {
  return { status, location, body: (async function* () { yield new TextEncoder().encode(body); })(), cancel: () => {} };
}

async function refusal(url: string, request?: (url: URL) => Promise<RelayResponse>): Promise<string> {
  try {
    await relayFetch(url, { maxBytes: 1000, allowPrivate: false, resolve, request: request ?? (async () => answer(200, "ok")) });
    return "fetched";
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe("relay_url SSRF defence", () => {
  test("addresses: private, loopback, link-local, metadata and mapped forms are blocked; public ones are not", () => {
    for (const address of ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "::", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "::ffff:7f00:1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::"]) {
      expect([address, isBlockedAddress(address)]).toEqual([address, true]);
    }
    for (const address of [PUBLIC, "8.8.8.8", "2606:4700:4700::1111"]) expect([address, isBlockedAddress(address)]).toEqual([address, false]);
  });

  test("refuses loopback, private, metadata, local names, numeric loopback forms and DNS names resolving inside", async () => {
    for (const url of [
      "https://127.0.0.1/x", "https://10.0.0.1/x", "https://169.254.169.254/latest/meta-data", "https://localhost/x", "https://printer.local/x",
      "https://db.internal/x", "https://2130706433/x", "https://0x7f000001/x", "https://127.0.0.1.sslip.io/x", "https://loop.test/x",
      "https://mixed.test/x", "https://[::1]/x", "https://[::ffff:127.0.0.1]/x", "http://public.test/x", "file:///etc/passwd",
      "https://user:pw@public.test/x", `https://public.test/${"a".repeat(4100)}`,
    ]) {
      expect([url.slice(0, 60), await refusal(url)]).toEqual([url.slice(0, 60), "url_refused"]);
    }
  });

  test("a redirect to loopback (or a name resolving to it) is refused at the hop", async () => {
    const hops: string[] = [];
    const redirecting = (target: string) => async (url: URL) => {
      hops.push(url.href);
      return url.hostname === "public.test" ? answer(302, "", target) : answer(200, "inside");
    };
    expect(await refusal("https://public.test/start", redirecting("https://127.0.0.1/admin"))).toBe("url_refused");
    expect(await refusal("https://public.test/start", redirecting("https://loop.test/admin"))).toBe("url_refused");
    expect(await refusal("https://public.test/start", redirecting("http://public.test/plain"))).toBe("url_refused");
    expect(hops.every((hop) => hop.startsWith("https://public.test/"))).toBe(true);
  });

  test("a public URL is fetched, pinned to the checked address, and capped in size", async () => {
    const pinned: string[] = [];
    const ok = await relayFetch("https://public.test/file", { maxBytes: 1000, allowPrivate: false, resolve, request: async (_url, address) => (pinned.push(address), answer(200, "payload")) });
    expect(new TextDecoder().decode(ok.bytes)).toBe("payload");
    expect(pinned).toEqual([PUBLIC]);
    expect(await relayFetch("https://public.test/big", { maxBytes: 3, allowPrivate: false, resolve, request: async () => answer(200, "too big") }).catch((e: { code: string }) => e.code)).toBe("attachment_too_large");
  });
});

describe("relay_url tool", () => {
  let harness: MessagingHarness;
  afterEach(async () => harness?.close());

  test("refuses loopback and metadata URLs with url_refused", async () => {
    harness = await messagingHarness();
    await harness.agent("alice");
    const alice = harness.as("agent:alice@team");
    for (const url of ["https://127.0.0.1/", "https://169.254.169.254/", "https://localhost/", "https://10.0.0.8/"]) {
      expect(await alice.errorCode("relay_url", { url, filename: "x.txt" })).toBe("url_refused");
    }
  });

  test("with relay_allow_private, fetches a local http URL through the pinned connection and messages its path", async () => {
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("relayed body", { headers: { "content-type": "text/plain" } }) });
    try {
      harness = await messagingHarness({ configToml: "[messaging]\nrelay_allow_private = true\n" });
      await harness.agent("alice");
      await harness.agent("bob");
      const result = await harness.as("agent:alice@team").ok<{ path: string; size: number; message_ids: string[] }>("relay_url", { url: `http://127.0.0.1:${server.port}/f`, filename: "f.txt", to: "bob" });
      expect(result.size).toBe(12);
      expect(result.message_ids).toHaveLength(1);
      const bob = harness.as("agent:bob@team");
      expect((await bob.ok<{ pending: Array<{ content: string }> }>("inbox")).pending[0]!.content).toContain(result.path);
      expect((await bob.ok<{ text: string }>("get_attachment", { path: result.path })).text).toBe("relayed body");
    } finally {
      server.stop(true);
    }
  });
});
