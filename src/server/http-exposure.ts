import type { Config } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { isLoopbackHost } from "../net/index.ts";

/** The HTTP token from the variable named by auth.token_env, if set and non-empty. */
export function httpToken(config: Config, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[config.auth.token_env];
  return value ? value : undefined;
}

/** Fewest characters a token guarding a non-loopback bind or a tunnel may have. */
export const MIN_EXPOSED_TOKEN_CHARS = 32;
/** Fewest different characters: a word padded to length (`password…1`) has fewer. */
const MIN_DISTINCT_CHARS = 10;
/** Fewest bits the token's own characters carry (length × the Shannon entropy of their frequencies). */
const MIN_EXPOSED_TOKEN_BITS = 80;

/**
 * Why `token` is too weak to guard a listener others can reach, or `undefined`. The rule: at
 * least 32 characters, not one shorter string repeated (`aaaa…`, `abcabc…`), at least 10
 * different characters, and at least 80 bits by its character frequencies. Random tokens pass:
 * `openssl rand -hex 16` (32 characters) carries ~118 such bits, `-hex 32` ~240.
 */
export function weakTokenReason(token: string): string | undefined {
  const chars = [...token];
  if (chars.length < MIN_EXPOSED_TOKEN_CHARS) return `it has ${chars.length} characters; at least ${MIN_EXPOSED_TOKEN_CHARS} are needed`;
  if (/^([\s\S]+?)\1+$/u.test(token)) return "it is one shorter string repeated";
  const counts = new Map<string, number>();
  for (const char of chars) counts.set(char, (counts.get(char) ?? 0) + 1);
  const perChar = [...counts.values()].reduce((bits, count) => bits - (count / chars.length) * Math.log2(count / chars.length), 0);
  if (counts.size < MIN_DISTINCT_CHARS) return `it uses ${counts.size} different characters; at least ${MIN_DISTINCT_CHARS} are needed`;
  const bits = Math.floor(perChar * chars.length);
  return bits < MIN_EXPOSED_TOKEN_BITS ? `its characters carry about ${bits} bits; at least ${MIN_EXPOSED_TOKEN_BITS} are needed` : undefined;
}

/**
 * Fails closed: serving beyond loopback, through a tunnel, or with auth.enabled needs a token,
 * and beyond loopback or through a tunnel a strong one (weakTokenReason). Called before anything
 * listens, so a refused start changes nothing.
 */
export function assertExposureAllowed(config: Config, host: string, token: string | undefined): void {
  const setIt = `set ${config.auth.token_env} to a long random value (e.g. \`export ${config.auth.token_env}=$(openssl rand -hex 32)\`)`;
  const exposed = !isLoopbackHost(host) || config.tunnel_mode !== "none";
  const weak = token && exposed ? weakTokenReason(token) : undefined;
  if (weak) {
    const where = isLoopbackHost(host) ? `a ${config.tunnel_mode} tunnel` : `listening on ${host}`;
    throw new PatchbayError("invalid_http_token", `refusing ${where} with a weak ${config.auth.token_env}: ${weak}`, { next: setIt });
  }
  if (token) return;
  if (!isLoopbackHost(host) && config.auth.require_for_non_loopback) {
    throw new PatchbayError("auth_required", `refusing to listen on ${host} without a token: only loopback addresses may be served without auth`, {
      next: `${setIt}, or bind to 127.0.0.1`,
    });
  }
  if (config.tunnel_mode !== "none" && config.auth.require_for_tunnel) {
    throw new PatchbayError("auth_required", `refusing to start a ${config.tunnel_mode} tunnel without a token`, { next: setIt });
  }
  if (config.auth.enabled) {
    throw new PatchbayError("auth_required", `auth.enabled is true but ${config.auth.token_env} is not set`, { next: setIt });
  }
}
