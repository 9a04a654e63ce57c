/**
 * Finding 11 (SSRF): IPv6 addresses that carry an IPv4 address reach what that IPv4 reaches, so
 * they are judged by it; translation ranges without a fixed place for one are refused whole.
 * The effect checked: a server-side fetch to such an address never connects.
 */
import { describe, expect, test } from "bun:test";
import { PatchbayError } from "../../src/errors/index.ts";
import { relayFetch } from "../../src/messaging/relay.ts";
import { isBlockedAddress } from "../../src/net/index.ts";

const REFUSED = [
  ["IPv4-mapped loopback", "::ffff:127.0.0.1"],
  ["IPv4-mapped metadata, hex groups", "0:0:0:0:0:ffff:a9fe:a9fe"],
  ["IPv4-translated loopback", "::ffff:0:7f00:1"],
  ["IPv4-translated private", "::ffff:0:10.0.0.1"],
  ["IPv4-translated metadata", "::ffff:0:169.254.169.254"],
  ["IPv4-compatible private", "::192.168.1.1"],
  ["NAT64 well-known prefix, loopback", "64:ff9b::127.0.0.1"],
  ["NAT64 well-known prefix, metadata", "64:ff9b::a9fe:a9fe"],
  ["NAT64 local-use, public IPv4", "64:ff9b:1::808:808"],
  ["NAT64 local-use, private IPv4", "64:ff9b:1:a00:100::"],
  ["6to4 of a private IPv4", "2002:c0a8:101::1"],
  ["6to4 of loopback", "2002:7f00:1::"],
  ["Teredo", "2001:0:4136:e378:8000:63bf:3fff:fdd2"],
  ["Teredo, bare prefix", "2001::1"],
] as const;

const ALLOWED = [
  ["IPv4-mapped public", "::ffff:8.8.8.8"],
  ["IPv4-translated public", "::ffff:0:808:808"],
  ["NAT64 well-known prefix, public", "64:ff9b::8.8.8.8"],
  ["6to4 of a public IPv4", "2002:808:808::1"],
  ["plain public IPv6", "2606:4700:4700::1111"],
] as const;

describe("isBlockedAddress", () => {
  test.each(REFUSED)("refuses %s (%s)", (_, address) => expect(isBlockedAddress(address)).toBe(true));
  test.each(ALLOWED)("allows %s (%s)", (_, address) => expect(isBlockedAddress(address)).toBe(false));
});

test("relay_url to a name resolving to any embedded-IPv4 or translation address never connects", async () => {
  const connected: string[] = [];
  for (const [label, address] of REFUSED) {
    const failure = await relayFetch("https://files.example.com/report.pdf", {
      maxBytes: 1000,
      allowPrivate: false,
      resolve: async () => [address],
      request: async (_url, to) => {
        connected.push(`${label}: ${to}`);
        throw new Error("the test server is not reachable");
      },
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PatchbayError);
    expect({ label, code: (failure as PatchbayError).code }).toEqual({ label, code: "url_refused" });
  }
  expect(connected).toEqual([]);
});
