/**
 * The per-address limit of dynamic client registration: registering is open to anyone who reaches
 * the server (through a tunnel too), so one address gets `perMinute` registrations in a sliding
 * minute and is then told when to come back. Counted in memory: a restart forgets the counts,
 * which the cap on stored clients (oauth.max_clients) still bounds.
 */
import { isLoopbackHost } from "../net/index.ts";
import { remoteAddress } from "../runtime/index.ts";

const WINDOW_MS = 60_000;

/**
 * Who is registering: the peer address; for a peer on this machine (a tunnel or proxy such as
 * cloudflared or ngrok runs here) the address it forwarded for, the last one of
 * `X-Forwarded-For`, which that proxy appended.
 */
export function registrantAddress(request: Request): string {
  const peer = remoteAddress(request) ?? "unknown";
  const forwarded = request.headers.get("x-forwarded-for")?.split(",").at(-1)?.trim();
  const bare = peer.replace(/^::ffff:/, "");
  return forwarded && isLoopbackHost(bare) ? forwarded : bare;
}

/** Counts a registration from `address`: undefined when allowed, else the seconds until it may register again. */
export function createRegistrationLimit(perMinute: number): (address: string) => number | undefined {
  const hits = new Map<string, number[]>();
  return (address) => {
    const now = Date.now();
    // Forget addresses whose minute has passed, so the map stays as small as the last minute's callers.
    for (const [key, times] of hits) if (times.at(-1)! <= now - WINDOW_MS) hits.delete(key);
    const recent = (hits.get(address) ?? []).filter((at) => at > now - WINDOW_MS);
    if (recent.length >= perMinute) return Math.max(1, Math.ceil((recent[0]! + WINDOW_MS - now) / 1000));
    hits.set(address, [...recent, now]);
    return undefined;
  };
}
