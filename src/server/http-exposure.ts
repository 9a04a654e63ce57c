import type { Config } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  return bare === "localhost" || bare === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/** The HTTP token from the variable named by auth.token_env, if set and non-empty. */
export function httpToken(config: Config, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[config.auth.token_env];
  return value ? value : undefined;
}

/**
 * Fails closed: serving beyond loopback, through a tunnel, or with auth.enabled needs a token.
 * Called before anything listens, so a refused start changes nothing.
 */
export function assertExposureAllowed(config: Config, host: string, token: string | undefined): void {
  if (token) return;
  const setIt = `set ${config.auth.token_env} to a long random value (e.g. \`export ${config.auth.token_env}=$(openssl rand -hex 32)\`)`;
  if (!isLoopbackHost(host) && config.auth.require_for_non_loopback) {
    throw new PatchbayError("auth_required", `refusing to listen on ${host} without a token: only loopback addresses may be served without auth`, { next: `${setIt}, or bind to 127.0.0.1` });
  }
  if (config.tunnel_mode !== "none" && config.auth.require_for_tunnel) {
    throw new PatchbayError("auth_required", `refusing to start a ${config.tunnel_mode} tunnel without a token`, { next: setIt });
  }
  if (config.auth.enabled) {
    throw new PatchbayError("auth_required", `auth.enabled is true but ${config.auth.token_env} is not set`, { next: setIt });
  }
}
