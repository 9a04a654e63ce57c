/** Network access the server makes on a caller's behalf, guarded against SSRF. */
export { isBlockedAddress, isLoopbackHost } from "./addresses.ts";
export { DEFAULT_DEADLINES, safeGet, type Deadlines, type SafeGetOptions, type SafeResponse } from "./safe-get.ts";
