/**
 * Agent messaging (Patchcord inside patchbay): identities with hashed bearer tokens, namespaces
 * that never see each other, a durable mailbox with threads, defer/resolve, idempotent sends and
 * long-poll waits, presence, per-token rate limits with persistent bans, a retention sweep, and
 * attachments with signed URLs and an SSRF-safe relay.
 */
export { createMessaging, messagingOf, type Messaging, type MessagingOptions, type TokenCheck } from "./messaging.ts";
export { createIdentities, hashToken, TOKEN_PREFIX, type Identities, type TokenInfo } from "./identities.ts";
export { agentOfPrincipal, agentPrincipal, assertName, formatAddress, parseAddress, type AgentAddress } from "./names.ts";
export { BANS_TOPIC, type Ban } from "./limits.ts";
export { normalizeAttachmentPath, type Attachments } from "./attachments.ts";
export { relayFetch, type RelayOptions, type RelayResponse } from "./relay.ts";
export { isBlockedAddress } from "../net/index.ts";
export type { MessageData, MessageView } from "./message.ts";
