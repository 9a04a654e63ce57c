/**
 * The board (`/board`): a live web view of the team, an edge like `http` and `oauth`. It reads
 * and acts only through the tools MCP hosts call, which the server runs for it as an operator
 * session (`BoardTools`), and logs in with OAuth's operator login, which the server hands in.
 *
 * Routes: `GET /board` (the page, or the login form), `POST /board/login`, `GET /board/events`
 * (server-sent events), `GET /board/detail` and `POST /board/action` (JSON). Behind a proxy that
 * publishes the server under a path prefix they are the same routes (the proxy strips it); the
 * redirects, the login form and the cookie's path carry the prefix (place.ts). With an operator
 * token every route but the login needs the login cookie; without one (a loopback-only server)
 * the page is open like `/mcp`. Reads need the page's CSRF token too, and actions also the
 * page's own Origin. The Host/Origin guard of `/mcp` runs before any of this (src/http).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import * as v from "valibot";
import { actionSchema, detailSchema, readDetail, runAction } from "./actions.ts";
import { boardEvents } from "./events.ts";
import { boardJson, boardPage } from "./page.ts";
import { BOARD_PATH, boardPlace, type BoardPlace } from "./place.ts";
import type { BoardSources } from "./snapshot.ts";

export { BOARD_SCRIPT } from "./client.ts";
export { publishedBoardUrl } from "./place.ts";
export type { BoardSources } from "./snapshot.ts";
export type { BoardTools } from "./tools.ts";

/** The operator's browser login (src/oauth's `OperatorLogin`, handed in by the server). */
export interface BoardLogin {
  loggedIn(request: Request): Promise<string | undefined>;
  csrfFor(cookie: string): string;
  /** The login form of the board at `path` (it posts to `path/login`). */
  page(path: string, error?: string): Response;
  /** A posted login: the cookie scoped to the board's path and a redirect there, or the form again; 403 from another origin. */
  login(request: Request, origin: string, path: string): Promise<Response>;
}

export interface BoardOptions extends BoardSources {
  /** Undefined when the server has no operator token (it then listens on loopback only). */
  login: BoardLogin | undefined;
  /** server.public_url, read per request (a tunnel sets it): a request to its host is answered under its path. None: the root. */
  publicUrl?: () => string;
  /** How often the server reads the board again for open pages, for what changes without an event (`BoardSources.changes`). */
  fallbackMs?: number;
  onError?: (error: Error) => void;
}

export interface Board {
  /** Answers a request under `/board`. */
  handle(request: Request): Promise<Response>;
  close(): void;
}

const MAX_ACTION_BYTES = 256 * 1024;
/** Presence ageing and a turn's progress lines have no event; they show within this long. */
const FALLBACK_MS = 5000;

function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(createHash("sha256").update(given).digest(), createHash("sha256").update(expected).digest());
}

const refused = (status: number, error: string) => boardJson({ ok: false, error }, status);
const notAllowed = (allow: string) => new Response(null, { status: 405, headers: { allow } });

export function createBoard(options: BoardOptions): Board {
  const { login } = options;
  // Without a login there is no cookie to derive it from: one per server process, only on its page.
  const openCsrf = randomBytes(32).toString("base64url");
  const events = boardEvents(options, options.fallbackMs ?? FALLBACK_MS, options.onError ?? (() => {}));
  /** This board as the browser reached it (the Host guard already checked the Host). */
  const placeOf = (request: Request): BoardPlace => boardPlace(request, options.publicUrl?.() ?? "");

  /** The CSRF token of this request's login, or undefined when it has none. */
  async function csrfOf(request: Request): Promise<string | undefined> {
    if (!login) return openCsrf;
    const cookie = await login.loggedIn(request);
    return cookie ? login.csrfFor(cookie) : undefined;
  }

  /** A JSON route's check: logged in, and the page's CSRF token in `x-patchbay-csrf`. */
  async function checked(request: Request): Promise<Response | undefined> {
    const csrf = await csrfOf(request);
    if (!csrf) return refused(401, `Log in at ${placeOf(request).path} first.`);
    if (!sameSecret(request.headers.get("x-patchbay-csrf") ?? "", csrf)) return refused(403, "This request did not come from the board's own page.");
    return undefined;
  }

  async function action(request: Request): Promise<Response> {
    if (request.headers.get("origin") !== placeOf(request).origin) return refused(403, "Actions are accepted only from the board's own page.");
    const denied = await checked(request);
    if (denied) return denied;
    if (Number(request.headers.get("content-length") ?? 0) > MAX_ACTION_BYTES) return refused(413, "The action is too large.");
    const parsed = v.safeParse(actionSchema, await request.json().catch(() => undefined));
    if (!parsed.success) return refused(400, `Not an action the board knows: ${parsed.issues[0].message}`);
    return boardJson(await runAction(options.tools, parsed.output));
  }

  async function detail(request: Request): Promise<Response> {
    const denied = await checked(request);
    if (denied) return denied;
    const parsed = v.safeParse(detailSchema, Object.fromEntries(new URL(request.url).searchParams));
    if (!parsed.success) return refused(400, `Not a view the board knows: ${parsed.issues[0].message}`);
    return boardJson(await readDetail(options.tools, parsed.output));
  }

  async function stream(request: Request): Promise<Response> {
    if (!(await csrfOf(request))) return refused(401, `Log in at ${placeOf(request).path} first.`);
    return events.stream(new URL(request.url).searchParams.get("repo") ?? undefined, request.signal);
  }

  async function page(request: Request): Promise<Response> {
    const csrf = await csrfOf(request);
    return csrf ? boardPage(csrf) : login!.page(placeOf(request).path);
  }

  /** Without an operator token there is nothing to log in to: back to the board. */
  function logIn(request: Request): Promise<Response> {
    const { origin, path } = placeOf(request);
    return login ? login.login(request, origin, path) : Promise.resolve(new Response(null, { status: 303, headers: { location: path } }));
  }

  const routes: Record<string, { method: string; run: (request: Request) => Promise<Response> }> = {
    [BOARD_PATH]: { method: "GET", run: page },
    [`${BOARD_PATH}/login`]: { method: "POST", run: logIn },
    [`${BOARD_PATH}/events`]: { method: "GET", run: stream },
    [`${BOARD_PATH}/detail`]: { method: "GET", run: detail },
    [`${BOARD_PATH}/action`]: { method: "POST", run: action },
  };

  return {
    async handle(request) {
      const route = routes[new URL(request.url).pathname.replace(/(.)\/+$/, "$1")];
      if (!route) return new Response(null, { status: 404 });
      if (request.method !== route.method) return notAllowed(route.method);
      return route.run(request);
    },
    close: () => events.close(),
  };
}
