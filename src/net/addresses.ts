/**
 * Which IP addresses a server-side fetch (relay_url, the artifact inbox) may reach: public unicast only. Private, loopback,
 * link-local (cloud metadata lives at 169.254.169.254), CGNAT, multicast, reserved and
 * documentation ranges are refused, including IPv4 hidden in IPv6 (mapped, NAT64, 6to4).
 */
import { isIP } from "node:net";

const V4_BLOCKED: Array<[string, number]> = [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12],
  ["192.0.0.0", 24], ["192.0.2.0", 24], ["192.88.99.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15], ["198.51.100.0", 24],
  ["203.0.113.0", 24], ["224.0.0.0", 4], ["240.0.0.0", 4],
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

function v6Blocked(address: string): boolean {
  const g = v6Groups(address);
  const first = g[0] ?? 0;
  if (g.every((group) => group === 0)) return true; // ::
  if (g.slice(0, 7).every((group) => group === 0) && g[7] === 1) return true; // ::1
  if (g.slice(0, 5).every((group) => group === 0) && (g[5] === 0xffff || g[5] === 0)) return v4Blocked(embeddedV4(g, 6)); // mapped / compatible
  if (first === 0x64 && g[1] === 0xff9b) return v4Blocked(embeddedV4(g, 6)); // NAT64
  if (first === 0x2002) return v4Blocked(embeddedV4(g, 1)); // 6to4
  if ((first & 0xfe00) === 0xfc00) return true; // unique local
  if ((first & 0xffc0) === 0xfe80 || (first & 0xffc0) === 0xfec0) return true; // link-local, site-local
  if ((first & 0xff00) === 0xff00) return true; // multicast
  if (first === 0x2001 && (g[1] === 0x0db8 || (g[1] ?? 0) < 0x200)) return true; // documentation, Teredo and other special use
  if (first === 0x100 && g.slice(1, 4).every((group) => group === 0)) return true; // discard
  return false;
}

/** True when `address` (a literal IPv4 or IPv6 address) is not a public unicast address. */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return v4Blocked(address);
  if (family === 6) return v6Blocked(address);
  return true;
}
