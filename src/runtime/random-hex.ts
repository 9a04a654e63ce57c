/**
 * `bytes` random bytes as hex, from the web's crypto (global in Bun, Deno and Node): node:crypto
 * would cost every `patchbay stdio` start about 2 ms to load, and the relay needs none of it.
 */
export function randomHex(bytes: number): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");
}
