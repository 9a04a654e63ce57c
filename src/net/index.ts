/** Network access the server makes on a caller's behalf, guarded against SSRF. */
export { isBlockedAddress } from "./addresses.ts";
export { safeGet, type SafeGetOptions, type SafeResponse } from "./safe-get.ts";
