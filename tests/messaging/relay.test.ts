import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { isBlockedAddress, relayFetch, type RelayResponse } from "../../src/messaging/index.ts";
import { ownHostName, startHitCounter, type HitCounter } from "../support/hit-counter.ts";
import { messagingHarness, type MessagingHarness, textOf } from "./support.ts";

const PUBLIC = "93.184.216.34";
const resolve = async (host: string) =>
  ({ "public.test": [PUBLIC], "loop.test": ["127.0.0.1"], "loop6.test": ["::1"], "mixed.test": [PUBLIC, "10.0.0.5"], "127.0.0.1.sslip.io": ["127.0.0.1"] })[
    host
  ] ?? [];

/** Counts every connection to this machine: a refused URL that names it must leave it at 0. */
let counter: HitCounter;
beforeAll(async () => void (counter = await startHitCounter()));
afterAll(() => counter.close());

function answer(status: number, body = "", location?: string): RelayResponse {
  return {
    status,
    location,
    body: (async function* () {
      yield new TextEncoder().encode(body);
    })(),
    cancel: () => {},
  };
}

/** A real connection to the checked address (plain http to the hit counter's port), for hops that must never be made. */
async function connect(url: URL, address: string): Promise<RelayResponse> {
  const response = await fetch(`http://${address.includes(":") ? `[${address}]` : address}:${url.port || 80}${url.pathname}`);
  return answer(response.status, await response.text());
}

/** The refusal's code; `request` defaults to the real one (it connects to the checked address). */
async function refusal(url: string, request?: (url: URL, address: string) => Promise<RelayResponse>): Promise<string> {
  try {
    await relayFetch(url, { maxBytes: 1000, allowPrivate: false, resolve, ...(request && { request }) });
    return "fetched";
  } catch (error) {
    return (error as { code: string }).code;
  }
}

describe("relay_url SSRF defence", () => {
  test("addresses: private, loopback, link-local, metadata and mapped forms are blocked; public ones are not", () => {
    for (const address of [
      "127.0.0.1",
      "10.1.2.3",
      "172.16.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "::",
      "fe80::1",
      "fd00::1",
      "::ffff:127.0.0.1",
      "::ffff:7f00:1",
      "64:ff9b::a9fe:a9fe",
      "2002:7f00:1::",
    ]) {
      expect([address, isBlockedAddress(address)]).toEqual([address, true]);
    }
    for (const address of [PUBLIC, "8.8.8.8", "2606:4700:4700::1111"]) expect([address, isBlockedAddress(address)]).toEqual([address, false]);
  });

  test("refuses loopback, private, metadata, local names, numeric loopback forms and DNS names resolving inside, without connecting", async () => {
    const port = counter.port;
    const here = [
      `https://127.0.0.1:${port}/x`,
      `http://127.0.0.1:${port}/x`,
      `https://localhost:${port}/x`,
      `https://2130706433:${port}/x`,
      `https://0x7f000001:${port}/x`,
      `https://127.0.0.1.sslip.io:${port}/x`,
      `https://loop.test:${port}/x`,
      `https://loop6.test:${port}/x`,
      `https://[::1]:${port}/x`,
      `https://[::ffff:127.0.0.1]:${port}/x`,
      ...counter.ownHosts().map((host) => `https://${host}:${port}/x`),
    ];
    for (const url of here) expect([url, await refusal(url)]).toEqual([url, "url_refused"]);
    expect(counter.hits()).toBe(0);

    // Targets elsewhere: the request is never even attempted.
    const attempts: string[] = [];
    for (const url of [
      "https://10.0.0.1/x",
      "https://169.254.169.254/latest/meta-data",
      "https://printer.local/x",
      "https://db.internal/x",
      "https://mixed.test/x",
      "http://public.test/x",
      "file:///etc/passwd",
      "https://user:pw@public.test/x",
      `https://public.test/${"a".repeat(4100)}`,
    ]) {
      expect([url.slice(0, 60), await refusal(url, async (hop) => (attempts.push(hop.href), answer(200, "ok")))]).toEqual([url.slice(0, 60), "url_refused"]);
    }
    expect(attempts).toEqual([]);

    // The same loopback target, allowed: it reaches the counter, so the zero above means something.
    const allowed = await relayFetch(`http://127.0.0.1:${port}/x`, { maxBytes: 1000, allowPrivate: true });
    expect(new TextDecoder().decode(allowed.bytes)).toBe("reached");
    expect(counter.hits()).toBe(1);
  });

  test("a redirect to loopback (or a name resolving to it) is refused at the hop, without connecting", async () => {
    const hops: string[] = [];
    const before = counter.hits();
    const redirecting = (target: string) => async (url: URL, address: string) => {
      hops.push(url.href);
      return url.hostname === "public.test" ? answer(302, "", target) : connect(url, address);
    };
    for (const target of [
      `https://127.0.0.1:${counter.port}/admin`,
      `https://loop.test:${counter.port}/admin`,
      `https://[::1]:${counter.port}/admin`,
      `https://localhost:${counter.port}/admin`,
    ]) {
      expect([target, await refusal("https://public.test/start", redirecting(target))]).toEqual([target, "url_refused"]);
    }
    expect(await refusal("https://public.test/start", redirecting("http://public.test/plain"))).toBe("url_refused");
    expect(hops.every((hop) => hop === "https://public.test/start")).toBe(true);
    expect(counter.hits()).toBe(before);
  });

  test("a public URL is fetched, pinned to the checked address, and capped in size", async () => {
    const pinned: string[] = [];
    const ok = await relayFetch("https://public.test/file", {
      maxBytes: 1000,
      allowPrivate: false,
      resolve,
      request: async (_url, address) => (pinned.push(address), answer(200, "payload")),
    });
    expect(new TextDecoder().decode(ok.bytes)).toBe("payload");
    expect(pinned).toEqual([PUBLIC]);
    expect(
      await relayFetch("https://public.test/big", { maxBytes: 3, allowPrivate: false, resolve, request: async () => answer(200, "too big") }).catch(
        (e: { code: string }) => e.code,
      ),
    ).toBe("attachment_too_large");
  });
});

describe("relay_url tool", () => {
  let harness: MessagingHarness;
  afterEach(async () => harness?.close());

  test("refuses loopback, private and metadata URLs with url_refused, and never connects to this machine", async () => {
    harness = await messagingHarness();
    await harness.agent("alice");
    const alice = harness.as("agent:alice@team");
    const before = counter.hits();
    const port = counter.port;
    // The real resolver: localhost and this machine's own name (its hosts entry) resolve to it.
    const here = ["127.0.0.1", "localhost", "[::1]", "2130706433", ...(await ownHostName()), ...counter.ownHosts()].flatMap((host) => [
      `https://${host}:${port}/`,
      `http://${host}:${port}/`,
    ]);
    for (const url of [...here, "https://169.254.169.254/", "https://10.0.0.8/"]) {
      expect([url, await alice.errorCode("relay_url", { url, filename: "x.txt" })]).toEqual([url, "url_refused"]);
    }
    expect(counter.hits()).toBe(before);
  });

  test("with relay_allow_private, fetches a local http URL through the pinned connection and messages its path", async () => {
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("relayed body", { headers: { "content-type": "text/plain" } }) });
    try {
      harness = await messagingHarness({ configToml: "[messaging]\nrelay_allow_private = true\n" });
      await harness.agent("alice");
      await harness.agent("bob");
      const answer = await harness.as("agent:alice@team").call("relay_url", { url: `http://127.0.0.1:${server.port}/f`, filename: "f.txt", to: "bob" });
      const result = answer.structuredContent as { path: string; size: number; message_ids: string[] };
      expect(result.size).toBe(12);
      expect(result.message_ids).toHaveLength(1);
      // The text names the message too, for hosts whose model reads only the text (docs/hosts.md).
      expect(textOf(answer)).toContain(`told bob [${result.message_ids[0]}]`);
      const bob = harness.as("agent:bob@team");
      expect((await bob.ok<{ pending: Array<{ content: string }> }>("inbox")).pending[0]!.content).toContain(result.path);
      expect((await bob.ok<{ text: string }>("get_attachment", { path: result.path })).text).toBe("relayed body");
    } finally {
      server.stop(true);
    }
  });
});
