/**
 * `patchbay msg send|inbox|wait` for shell scripts and CI: runs the messaging tools on the server
 * (started if needed) as the agent named by --as or $PATCHBAY_AGENT.
 */
import { defineCommand } from "citty";
import { patchbayHome } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { controlRequest, ensureServer } from "../server/index.ts";
import { emit } from "./output.ts";

const NO_ROOTS = { allowedRoots: [], power: { directWrite: false, bashMode: "off" as const, codexSessionRead: false } };

function agentOf(as: string | undefined): string {
  const agent = as ?? process.env.PATCHBAY_AGENT;
  if (!agent) throw new PatchbayError("usage", "say which agent this is", { next: "pass --as NAME@NAMESPACE or set PATCHBAY_AGENT" });
  return agent;
}

async function callTool<T>(tool: string, args: Record<string, unknown>, timeoutMs = 60_000): Promise<{ text: string; value: T }> {
  const { data, socket } = await controlRequest(await ensureServer(patchbayHome()), { op: "call", tool, args, scope: NO_ROOTS }, timeoutMs);
  socket.destroy();
  const result = data as { isError?: boolean; content?: Array<{ text?: string }>; structuredContent?: T; _meta?: { "patchbay/error"?: { code: string; message: string; next?: string } } };
  const failure = result._meta?.["patchbay/error"];
  if (result.isError || !result.structuredContent) throw new PatchbayError(failure?.code ?? "internal_error", failure?.message ?? "the call failed", { next: failure?.next });
  return { text: (result.content ?? []).map((block) => block.text ?? "").join(""), value: result.structuredContent };
}

const as = { as: { type: "string", description: "The agent to act as, NAME@NAMESPACE (default: $PATCHBAY_AGENT)", valueHint: "AGENT" } } as const;
const json = { json: { type: "boolean", description: "Print as JSON" } } as const;

const send = defineCommand({
  meta: { name: "send", description: "Send TEXT to TO (comma-separated agents)" },
  args: {
    to: { type: "positional", required: true, description: "NAME or NAME@NAMESPACE, comma-separated", valueHint: "TO" },
    text: { type: "positional", required: true, description: "The message", valueHint: "TEXT" },
    thread: { type: "string", description: "Thread slug", valueHint: "SLUG" },
    key: { type: "string", description: "Idempotency key: a retried send with it delivers once", valueHint: "KEY" },
    ...as,
    ...json,
  },
  async run({ args }) {
    const { text, value } = await callTool("send_message", { to: args.to, content: args.text, as: agentOf(args.as), ...(args.thread && { thread: args.thread }), ...(args.key && { idempotency_key: args.key }) });
    emit(args.json, value, () => text);
    return 0;
  },
});

const inbox = defineCommand({
  meta: { name: "inbox", description: "Pending (now read) and deferred messages" },
  args: { ...as, ...json },
  async run({ args }) {
    const { text, value } = await callTool("inbox", { as: agentOf(args.as) });
    emit(args.json, value, () => text);
    return 0;
  },
});

const wait = defineCommand({
  meta: { name: "wait", description: "Wait for a message; exit 0 with it, or 1 when the timeout passes" },
  args: { timeout: { type: "string", default: "300", description: "Seconds to wait (1-3600)", valueHint: "SECONDS" }, ...as, ...json },
  async run({ args }) {
    const seconds = Number(args.timeout);
    if (!Number.isFinite(seconds) || seconds < 1 || seconds > 3600) throw new PatchbayError("usage", `--timeout: expected 1-3600, got ${args.timeout}`);
    const { text, value } = await callTool<{ status: string }>("wait_for_message", { timeout_seconds: seconds, as: agentOf(args.as) }, (seconds + 30) * 1000);
    emit(args.json, value, () => text);
    return value.status === "message" ? 0 : 1;
  },
});

export default defineCommand({
  meta: { name: "msg", description: "Agent messages from the shell: send, inbox, wait" },
  subCommands: { send, inbox, wait },
});
