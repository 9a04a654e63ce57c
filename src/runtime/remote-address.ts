/**
 * The peer address of an HTTP request. A web `Request` does not carry it; Bun and Deno hand it to
 * the serve handler beside the request, so the serving code notes it here for the handlers that
 * need it (the OAuth registration rate limit).
 */
const addresses = new WeakMap<Request, string>();

export function noteRemoteAddress(request: Request, address: string | undefined): void {
  if (address) addresses.set(request, address);
}

/**
 * The address the request came from, as the listener saw it; undefined for a request that was
 * not served by `serveHttp` (an in-process call).
 *
 * @example
 * remoteAddress(request) // "127.0.0.1"
 */
export function remoteAddress(request: Request): string | undefined {
  return addresses.get(request);
}
