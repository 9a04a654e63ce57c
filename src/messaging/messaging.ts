/**
 * The messaging capability as one object the server creates: identities and tokens, the mailbox,
 * presence, rate limits, attachments and the retention sweep.
 */
import type { Config } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";
import type { RecordStore } from "../state/index.ts";
import { createAttachments, type Attachments } from "./attachments.ts";
import { createIdentities, type Identities } from "./identities.ts";
import { createRateLimiter, type RateLimiter } from "./limits.ts";
import { createMailbox, type Mailbox } from "./mailbox.ts";
import { agentOfPrincipal, agentPrincipal, formatAddress, isOperatorPrincipal, parseAddress, type AgentAddress } from "./names.ts";
import { operatorActsAs } from "./operator-as.ts";
import { createPresence, type Presence } from "./presence.ts";

export interface MessagingOptions {
  store: RecordStore;
  config: Config;
  home: string;
}

/** What a presented bearer token turned out to be. */
export type TokenCheck = { principal: string } | { banned: number } | undefined;

export interface Messaging {
  readonly identities: Identities;
  readonly presence: Presence;
  readonly attachments: Attachments;
  readonly limiter: RateLimiter;
  readonly settings: Config["messaging"];
  /** The mailbox, loaded from the state on first use. */
  mailbox(): Promise<Mailbox>;
  /**
   * The agent a tool call acts as: the session's own agent, or `as` for the operator. It counts as
   * seen, except when the operator only looks (`looking`: a read-only tool such as recall).
   */
  actingAgent(principal: string, as: string | undefined, looking?: boolean): Promise<AgentAddress>;
  /** An agent bearer token → its principal (counting `calls` requests, default 1, against its rate limit). */
  checkToken(token: string, calls?: number): Promise<TokenCheck>;
  /** Removes messages and attachments older than messaging.cleanup_max_age_days. */
  sweep(now?: Date): Promise<{ messages: number; attachments: number }>;
  /** Loads the mailbox and starts the periodic sweep. */
  start(): Promise<void>;
  /** Stops the sweep and ends every wait_for_message with status "shutdown". */
  close(): Promise<void>;
}

const SWEEP_INTERVAL_MS = 6 * 60 * 60 * 1000;

/**
 * @example
 * const messaging = createMessaging({ store, config, home });
 * await messaging.start();
 */
export function createMessaging(options: MessagingOptions): Messaging {
  const { store, config, home } = options;
  const settings = config.messaging;
  const identities = createIdentities(store);
  const presence = createPresence(store, identities, settings.presence_window_seconds * 1000);
  const limiter = createRateLimiter(store, { perMinute: settings.rate_limit_per_minute, banSeconds: settings.rate_ban_seconds });
  const attachments = createAttachments({ store, home, maxBytes: settings.max_attachment_bytes, ttlSeconds: settings.attachment_url_ttl_seconds });
  let loaded: Promise<Mailbox> | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  const mailbox = () => (loaded ??= createMailbox(store, identities));

  async function sweep(now = new Date()) {
    const cutoff = new Date(now.getTime() - settings.cleanup_max_age_days * 24 * 60 * 60 * 1000);
    return { messages: await (await mailbox()).sweep(cutoff), attachments: await attachments.sweep(cutoff) };
  }

  return {
    identities,
    presence,
    attachments,
    limiter,
    settings,
    mailbox,
    async actingAgent(principal, as, looking) {
      const own = agentOfPrincipal(principal);
      if (own) {
        if (as !== undefined && formatAddress(parseAddress(as, own.namespace)) !== formatAddress(own)) {
          throw new PatchbayError("as_forbidden", `this session is ${formatAddress(own)} and cannot act as ${as}`, {
            next: "leave `as` out; only the operator token may act for other agents",
          });
        }
        presence.touch(own);
        return own;
      }
      if (!isOperatorPrincipal(principal))
        throw new PatchbayError("identity_required", "this session is not an agent", { next: "connect with an agent token (`patchbay token add`)" });
      if (as === undefined) {
        throw new PatchbayError("identity_required", "the operator must say which agent it acts as", {
          next: "pass `as`: NAME@NAMESPACE of an agent created with `patchbay token add` (NAME alone while one agent has it)",
        });
      }
      const address = await operatorActsAs(identities, as);
      if (!looking) presence.touch(address);
      return address;
    },
    async checkToken(token, calls) {
      const found = await identities.verify(token);
      if (!found) return undefined;
      const banned = await limiter.hit(found.hash, calls);
      return banned === undefined ? { principal: agentPrincipal(found.address) } : { banned };
    },
    sweep,
    async start() {
      await mailbox();
      await sweep().catch(() => undefined);
      timer = setInterval(() => void sweep().catch(() => undefined), SWEEP_INTERVAL_MS);
      (timer as { unref?: () => void }).unref?.();
    },
    async close() {
      if (timer) clearInterval(timer);
      if (loaded) (await loaded).close();
    },
  };
}

/** The messaging capability of a host, once the server created one (`host.messaging`). */
export function messagingOf(host: object): Messaging {
  const messaging = (host as { messaging?: Messaging }).messaging;
  if (!messaging)
    throw new PatchbayError("messaging_unavailable", "agent messaging is not running in this process", { next: "use the patchbay server (`patchbay start`)" });
  return messaging;
}
