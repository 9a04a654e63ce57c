/**
 * The operator's browser login for pages besides OAuth's consent (the board): the same login
 * records (`store.login`: ended by a changed operator token or after 12 hours), the same cookie
 * (HttpOnly, SameSite=Strict, Secure over https), scoped to that page's path, the same login
 * form and the same CSRF derivation as the consent page.
 */
import { cookieValue, crossOrigin, LOGIN_COOKIE, loginCookie, readForm } from "./forms.ts";
import { errorPage, loginPage } from "./pages.ts";
import { hashSecret, sameSecret } from "./secrets.ts";
import type { OAuthStore } from "./store.ts";

export interface OperatorLogin {
  /** The login cookie of a live operator login on this request, or undefined. */
  loggedIn(request: Request): Promise<string | undefined>;
  /** The CSRF token for a login: only a page rendered for that cookie carries it. */
  csrfFor(cookie: string): string;
  /** The login page of the page at `path`, posting to `path/login` (no data of the page behind it). */
  page(path: string, error?: string): Response;
  /** A posted login form for the page at `path` on `origin`: the cookie scoped to `path` and a redirect there, the login page again, or 403 from another origin. */
  login(request: Request, origin: string, path: string): Promise<Response>;
}

/** A form's CSRF token: derived from the HttpOnly login cookie, so only a page this server rendered for it carries it. */
export const csrfFor = (cookie: string) => hashSecret(`csrf:${cookie}`);

/** The login cookie of a live operator login (made with the current operator token) on this request, or undefined. */
export async function loggedIn(request: Request, store: OAuthStore, operatorToken: string): Promise<string | undefined> {
  const cookie = cookieValue(request, LOGIN_COOKIE);
  return cookie && (await store.isLogin(cookie, operatorToken)) ? cookie : undefined;
}

/** The operator login of another page; the page names its path per request (a proxy's path prefix is part of it). */
export function operatorLogin(store: OAuthStore, operatorToken: string, options: { why: string; seconds: number }): OperatorLogin {
  const self: OperatorLogin = {
    loggedIn: (request) => loggedIn(request, store, operatorToken),
    csrfFor,
    page: (path, error) => loginPage("", error, { action: `${path}/login`, why: options.why }),
    async login(request, origin, path) {
      if (crossOrigin(request, origin)) return errorPage("Forbidden", "This form may be sent only from this server's own page.", 403);
      const form = await readForm(request);
      if (!form) return errorPage("Bad request", "The login form was not sent as a form.");
      if (!sameSecret(form.get("token") ?? "", operatorToken)) return self.page(path, "That is not the operator token.");
      const cookie = await store.login(operatorToken);
      const headers = { location: path, "set-cookie": loginCookie(cookie, origin, options.seconds, path), "cache-control": "no-store" };
      return new Response(null, { status: 303, headers });
    },
  };
  return self;
}
