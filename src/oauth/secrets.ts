/**
 * The secrets the authorization server hands out, and how they are checked. Each kind has its own
 * prefix (`pbo` + a letter), so the redactor (src/redact) recognises every one in logs and tool
 * output, and a secret of one kind is never mistaken for another. Only a secret's sha256 is
 * stored; it is also the record id, so finding a secret is one keyed read.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export const SECRET_PREFIXES = {
  access: "pboa_",
  refresh: "pbor_",
  code: "pboc_",
  login: "pbol_",
  client: "pbos_",
} as const;

export type SecretKind = keyof typeof SECRET_PREFIXES;

export function newSecret(kind: SecretKind): string {
  return `${SECRET_PREFIXES[kind]}${randomBytes(32).toString("base64url")}`;
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

// Hashing first makes the comparison constant-time even when the lengths differ.
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(createHash("sha256").update(given).digest(), createHash("sha256").update(expected).digest());
}

/** PKCE S256 (RFC 7636 §4.6): BASE64URL(SHA256(verifier)) equals the challenge sent to /authorize. */
export function pkceMatches(verifier: string, challenge: string): boolean {
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return false;
  return sameSecret(createHash("sha256").update(verifier).digest("base64url"), challenge);
}
