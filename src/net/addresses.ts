/**
 * Which IP addresses a server-side fetch (relay_url, the artifact inbox) may reach: public unicast only. Private, loopback,
 * link-local (cloud metadata lives at 169.254.169.254), CGNAT, multicast, reserved and
 * documentation ranges are refused, including IPv4 hidden in IPv6 (mapped, translated, compatible,
 * NAT64, 6to4), which is judged by the IPv4 address it carries.
 */
import { isIP } from "node:net";

const V4_BLOCKED: Array<[string, number]> = [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
];

function v4ToNumber(address: string): number {
  return address.split(".").reduce((total, part) => total * 256 + Number(part), 0);
}

function v4Blocked(address: string): boolean {
  const value = v4ToNumber(address);
  return V4_BLOCKED.some(([base, bits]) => Math.floor(value / 2 ** (32 - bits)) === Math.floor(v4ToNumber(base) / 2 ** (32 - bits)));
}

/** The eight 16-bit groups of an IPv6 address (with an embedded dotted IPv4 tail expanded). */
function v6Groups(address: string): number[] {
  let text = address.toLowerCase().split("%")[0] ?? "";
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const n = v4ToNumber(dotted[1]);
    text = text.slice(0, -dotted[1].length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((group) => Number.parseInt(group, 16)));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...new Array(8 - front.length - back.length).fill(0), ...back];
}

function embeddedV4(groups: number[], from: number): string {
  const hi = groups[from] ?? 0;
  const lo = groups[from + 1] ?? 0;
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

const zeros = (groups: number[]) => groups.every((group) => group === 0);

/**
 * The IPv4 address an IPv6 address stands for, where the range defines one: IPv4-mapped
 * (::ffff:0:0/96), IPv4-translated (::ffff:0:0:0/96), IPv4-compatible (::/96), NAT64's well-known
 * prefix (64:ff9b::/96) and 6to4 (2002::/16). Such an address reaches what its IPv4 reaches.
 */
function v4Within(g: number[]): string | undefined {
  if (zeros(g.slice(0, 5)) && (g[5] === 0xffff || g[5] === 0)) return embeddedV4(g, 6);
  if (zeros(g.slice(0, 4)) && g[4] === 0xffff && g[5] === 0) return embeddedV4(g, 6);
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(g.slice(2, 6))) return embeddedV4(g, 6);
  if (g[0] === 0x2002) return embeddedV4(g, 1);
  return undefined;
}

function v6Blocked(address: string): boolean {
  const g = v6Groups(address);
  const first = g[0] ?? 0;
  if (zeros(g)) return true; // ::
  if (zeros(g.slice(0, 7)) && g[7] === 1) return true; // ::1
  const v4 = v4Within(g);
  if (v4 !== undefined) return v4Blocked(v4);
  // Translation ranges with no fixed place for the IPv4 address are refused whole: the rest of
  // NAT64's 64:ff9b::/32 (the local-use 64:ff9b:1::/48 included) and Teredo, inside 2001::/23.
  if (first === 0x64 && g[1] === 0xff9b) return true;
  if ((first & 0xfe00) === 0xfc00) return true; // unique local
  if ((first & 0xffc0) === 0xfe80 || (first & 0xffc0) === 0xfec0) return true; // link-local, site-local
  if ((first & 0xff00) === 0xff00) return true; // multicast
  if (first === 0x2001 && (g[1] === 0x0db8 || (g[1] ?? 0) < 0x200)) return true; // documentation, Teredo and other special use
  if ((first & 0xfff0) === 0x3ff0) return true; // documentation (3fff::/20)
  if (first === 0x100 && zeros(g.slice(1, 4))) return true; // discard
  return false;
}

/** True when `address` (a literal IPv4 or IPv6 address) is not a public unicast address. */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return v4Blocked(address);
  if (family === 6) return v6Blocked(address);
  return true;
}

/**
 * A loopback name or address, as a bind address (`::1`) or a URL's hostname (`[::1]`): this
 * machine only. The one check for the exposure rules, public URLs and OAuth issuers.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  return bare === "localhost" || bare === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}
