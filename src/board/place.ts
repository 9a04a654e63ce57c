/**
 * Where the browser reached the board: the origin it calls its own and the board's path there.
 * A proxy that publishes the server under a path prefix (server.public_url such as
 * `https://host.example/team-a/`) strips the prefix, so the server sees `/board` either way. A
 * request whose Host is the public URL's came through it: its origin and prefix are the public
 * URL's (https even when the proxy speaks plain http to us). Any other Host (this machine's own
 * address, a LAN name) is the server reached directly, at the root. The prefix comes from the
 * config only, never from a request header, as OAuth's issuer does (src/oauth/metadata.ts).
 */

export const BOARD_PATH = "/board";

export interface BoardPlace {
  /** The page's origin, which its forms and actions must name in `Origin`. */
  origin: string;
  /** The board's path as the browser sees it (`/team-a/board`): redirects, the login form and the cookie's `Path`. */
  path: string;
}

/**
 * The public URL's path without its trailing slash, with runs of slashes made one (a redirect to
 * `//evil.example/board` would leave the origin) and `;` escaped (in the cookie's `Path` it would
 * start another attribute, such as a broader `Path`).
 */
function prefixOf(url: URL): string {
  return url.pathname
    .replace(/\/{2,}/g, "/")
    .replace(/\/+$/, "")
    .replaceAll(";", "%3B");
}

/**
 * The board's address under server.public_url, where a browser off this machine opens it; undefined
 * when the URL is unset or unreadable.
 *
 * @example publishedBoardUrl("https://host.example/team-a/") // "https://host.example/team-a/board"
 */
export function publishedBoardUrl(publicUrl: string): string | undefined {
  if (!publicUrl || !URL.canParse(publicUrl)) return undefined;
  const published = new URL(publicUrl);
  return `${published.origin}${prefixOf(published)}${BOARD_PATH}`;
}

/**
 * @example boardPlace(request, "https://host.example/team-a/") // { origin: "https://host.example", path: "/team-a/board" } for Host host.example
 */
export function boardPlace(request: Request, publicUrl: string): BoardPlace {
  const url = new URL(request.url);
  const host = request.headers.get("host") ?? url.host;
  const own = { origin: `${url.protocol}//${host}`, path: BOARD_PATH };
  if (!publicUrl || !URL.canParse(publicUrl) || !URL.canParse(own.origin)) return own;
  const published = new URL(publicUrl);
  if (published.host !== new URL(own.origin).host) return own;
  return { origin: published.origin, path: `${prefixOf(published)}${BOARD_PATH}` };
}
