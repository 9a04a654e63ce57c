/**
 * Connecting hosts: registering patchbay in Codex, Claude Code, Claude Desktop and Gemini CLI
 * exactly as each host keeps its MCP servers, checking those registrations, and tunnels.
 *
 * @example
 * const location = locate("codex", undefined, { root: "/src/app" });
 * const change = await planInstall(location, hostEntry("codex", stdioRegistration({ self: selfCommand(), root: "/src/app" })));
 * await applyChange(change, patchbayHome());
 */
export { unifiedDiff } from "./diff.ts";
export { CLOUDFLARED_RELEASES, type CloudflaredPlan, installCloudflared, planCloudflared } from "./cloudflared.ts";
export { checkHost, type HostCheck } from "./doctor.ts";
export { assertHostId, type HostAdapter, hostAdapter, HOST_IDS, type HostId, type HostLocation, HOSTS, isHostId, locate, scopeHelp } from "./hosts/index.ts";
export { applyChange, type ChangeStatus, planInstall, planUninstall, type PlannedChange, readEntry } from "./install.ts";
export { entrySnippet, hostEntry, redactEntry, type Registration, stdioRegistration } from "./registration.ts";
export { repositoryRoot, withRepositoryAround } from "./root.ts";
export { CHATGPT_ORIGINS, findExecutable, type RunningTunnel, startTunnel, TUNNEL_KINDS, type TunnelKind, type TunnelOptions } from "./tunnel.ts";
export {
  claudeSettingsLocation,
  INBOX_HOOK_STATUS,
  inboxHookCommand,
  inboxHookGroup,
  isInboxHookGroup,
  planHookInstall,
  planHookUninstall,
  shellQuote,
} from "./claude-hook.ts";
export { applyExtras, type ExtraChange, planMessagingExtras, planMessagingExtrasRemoval } from "./messaging-extras.ts";
