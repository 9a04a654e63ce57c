/**
 * Reading what a browser or an OAuth client posts: form bodies with a size cap, the login cookie,
 * and the same-origin rule for the pages' forms.
 */

/** Forms, token requests and registrations are small; anything larger is refused before it is read whole. */
const MAX_FORM_BYTES = 16 * 1024;

/** The body as text, or undefined when it is over the cap (declared or as it arrives). */
export async function readCappedText(request: Request): Promise<string | undefined> {
  if (Number(request.headers.get("content-length") ?? 0) > MAX_FORM_BYTES) return undefined;
  if (!request.body) return "";
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    text += decoder.decode(chunk, { stream: true });
    if (text.length > MAX_FORM_BYTES) return undefined;
  }
  return text;
}

/** The url-encoded body, or undefined when it is not one or is over the cap. */
export async function readForm(request: Request): Promise<URLSearchParams | undefined> {
  if (!request.headers.get("content-type")?.toLowerCase().startsWith("application/x-www-form-urlencoded")) return undefined;
  const text = await readCappedText(request);
  return text === undefined ? undefined : new URLSearchParams(text);
}

export const LOGIN_COOKIE = "patchbay_oauth_login";

export function cookieValue(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return value.join("=");
  }
  return undefined;
}

/**
 * HttpOnly (no script reads it), SameSite=Strict (no other site's form or link sends it), Secure
 * over https; sent to OAuth's pages under the issuer's path prefix unless `path` says otherwise.
 */
export function loginCookie(value: string, issuer: string, maxAgeSeconds: number, path = `${new URL(issuer).pathname.replace(/\/+$/, "")}/oauth`): string {
  const secure = issuer.startsWith("https:") ? "; Secure" : "";
  return `${LOGIN_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=${path}; Max-Age=${maxAgeSeconds}${secure}`;
}

/**
 * A page's form may be posted only from this server's own pages: a browser names the page's
 * origin in `Origin`, which must be the issuer's. A request without `Origin` (not a browser)
 * still needs the login cookie and the form's CSRF token.
 */
export function crossOrigin(request: Request, issuer: string): boolean {
  const origin = request.headers.get("origin");
  return origin !== null && origin !== new URL(issuer).origin;
}
