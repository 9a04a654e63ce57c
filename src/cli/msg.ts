/**
 * `patchbay msg send|inbox|wait` for shell scripts and CI: runs the messaging tools on the server
 * (started if needed) as the agent named by --as or $PATCHBAY_AGENT. `patchbay msg hook` is the
 * Claude Code Stop hook (`mcp install claude --inbox-hook`) and `msg status --statusline` its
 * status line (`--statusline`): both only look, never start a server, and never fail loudly.
 */
import { defineCommand } from "citty";
import { patchbayHome } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { ensureServer, readOwner } from "../server/index.ts";
import { integerFlag } from "./integer-flag.ts";
import { emit } from "./output.ts";
import { callServerTool, NO_ROOTS, type ToolAnswer } from "./server-call.ts";

function agentOf(as: string | undefined): string {
  const agent = as ?? process.env.PATCHBAY_AGENT;
  if (!agent) throw new PatchbayError("usage", "say which agent this is", { next: "pass --as NAME@NAMESPACE or set PATCHBAY_AGENT" });
  return agent;
}

async function callTool<T>(tool: string, args: Record<string, unknown>, timeoutMs = 60_000): Promise<ToolAnswer<T>> {
  return callServerTool<T>(await ensureServer(patchbayHome()), { tool, args, scope: NO_ROOTS }, timeoutMs);
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
    const { text, value } = await callTool("send_message", {
      to: args.to,
      content: args.text,
      as: agentOf(args.as),
      ...(args.thread && { thread: args.thread }),
      ...(args.key && { idempotency_key: args.key }),
    });
    // The tool's words for a model name its argument; at the shell it is --key.
    emit(args.json, value, () => text.replace("(same idempotency_key)", "(same --key)"));
    return 0;
  },
});

const inbox = defineCommand({
  meta: { name: "inbox", description: "Pending (now read) and deferred messages" },
  args: {
    limit: { type: "string", description: "Hand over at most N pending messages, oldest first, 1-500 (default 100); the rest stay unread", valueHint: "N" },
    "active-only": { type: "boolean", description: "List only the agents active lately or waiting for messages" },
    ...as,
    ...json,
  },
  async run({ args }) {
    const { text, value } = await callTool("inbox", {
      as: agentOf(args.as),
      ...(args.limit !== undefined && { limit: integerFlag("limit", args.limit, { min: 1, max: 500 }) }),
      ...(args["active-only"] && { all_agents: false }),
    });
    emit(args.json, value, () => text);
    return 0;
  },
});

const wait = defineCommand({
  meta: { name: "wait", description: "Wait for a message; exit 0 with it, or 1 when the timeout passes" },
  args: { timeout: { type: "string", description: "Seconds to wait, 1-3600 (default 300)", valueHint: "SECONDS" }, ...as, ...json },
  async run({ args }) {
    const seconds = integerFlag("timeout", args.timeout, { min: 1, max: 3600 }, 300);
    const { text, value } = await callTool<{ status: string }>("wait_for_message", { timeout_seconds: seconds, as: agentOf(args.as) }, (seconds + 30) * 1000);
    emit(args.json, value, () => text);
    return value.status === "message" ? 0 : 1;
  },
});

/** The hook gives up after this long, whatever it was doing: Claude must never wait on patchbay. */
const HOOK_BUDGET_MS = 3_000;

/** The hook's JSON from stdin (undefined when stdin is a terminal, empty, not a JSON object, or slow). */
async function readHookInput(limitMs: number): Promise<Record<string, unknown> | undefined> {
  if (process.stdin.isTTY) return undefined;
  const text = await new Promise<string>((resolve) => {
    let data = "";
    const done = () => {
      clearTimeout(timer);
      process.stdin.off("data", onData).off("end", done).off("error", done);
      process.stdin.pause();
      resolve(data);
    };
    const onData = (chunk: Buffer | string) => {
      data += chunk.toString();
      if (data.length > 1_000_000) done();
    };
    const timer = setTimeout(done, limitMs);
    process.stdin.on("data", onData).on("end", done).on("error", done);
  });
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

interface PendingView {
  from: string;
  to: string;
  state: string;
}

const RECALL_LIMIT = 100;

/**
 * The unread messages of `agent` on the running server, counted from `recall` (which changes no
 * state, so they stay unread until the agent reads them with its `inbox` tool); undefined when
 * no server runs. Never starts a server; a server that does not answer by `deadline` throws.
 */
async function unreadFor(agent: string, deadline: number): Promise<PendingView[] | undefined> {
  const owner = readOwner(patchbayHome());
  if (!owner?.control_port) return undefined;
  const recalled = await callServerTool<{ messages?: PendingView[] }>(
    owner,
    { tool: "recall", args: { limit: RECALL_LIMIT, as: agent }, scope: NO_ROOTS },
    Math.max(100, deadline - Date.now()),
  );
  return (recalled.value.messages ?? []).filter((m) => m.state === "pending" && m.to === agent);
}

const countOf = (unread: PendingView[]) => (unread.length === RECALL_LIMIT ? `${RECALL_LIMIT}+` : String(unread.length));

/** What the Stop hook should say: the block decision while unread messages wait for `agent`, else nothing. */
async function hookDecision(
  input: Record<string, unknown> | undefined,
  agent: string | undefined,
  deadline: number,
): Promise<{ decision: "block"; reason: string } | undefined> {
  // Claude is already going on because of a Stop hook: let it stop (the loop guard). Without
  // the hook's input there is no telling, so the hook stays out of the way too.
  if (!input || input.stop_hook_active === true || !agent) return undefined;
  // No server: what waits cannot be counted (it is kept until one runs), and a hook never starts one.
  const unread = (await unreadFor(agent, deadline)) ?? [];
  if (unread.length === 0) return undefined;
  const senders = [...new Set(unread.map((m) => m.from))];
  const count =
    unread.length === 1
      ? "1 unread patchbay message"
      : `${unread.length === RECALL_LIMIT ? `${RECALL_LIMIT} or more` : unread.length} unread patchbay messages`;
  const them = unread.length === 1 ? "it" : "them";
  return {
    decision: "block",
    reason: `${count} for ${agent} (from ${senders.join(", ")}). Call the patchbay \`inbox\` tool to read ${them}, and act on ${them} before you stop.`,
  };
}

const hook = defineCommand({
  meta: { name: "hook", description: "Claude Code Stop hook: block the stop while unread messages wait (reads the hook's JSON on stdin; never fails)" },
  args: { ...as },
  async run({ args }) {
    const deadline = Date.now() + HOOK_BUDGET_MS;
    // Whatever happens below, Claude gets an answer in time: silence (exit 0) lets it stop.
    setTimeout(() => process.exit(0), HOOK_BUDGET_MS).unref();
    try {
      const input = await readHookInput(1_000);
      const agent = args.as ?? process.env.PATCHBAY_AGENT;
      const decision = await hookDecision(input, agent ? agent.trim() : undefined, deadline);
      if (decision) process.stdout.write(`${JSON.stringify(decision)}\n`);
    } catch {
      // patchbay trouble never blocks Claude
    }
    return 0;
  },
});

/** The status line gives up after this long: Claude redraws with whatever it printed by then. */
const STATUS_LINE_BUDGET_MS = 2_000;

/** The status line's one line: the agent and its unread count, or why there is none. */
function statusLineText(agent: string, unread: PendingView[] | undefined): string {
  if (unread === undefined) return `patchbay ${agent}: server not running`;
  if (unread.length === 0) return `patchbay ${agent}: no unread messages`;
  return `patchbay ${agent}: ${countOf(unread)} unread (from ${[...new Set(unread.map((m) => m.from))].join(", ")})`;
}

const status = defineCommand({
  meta: {
    name: "status",
    description: "Unread messages waiting for the agent (changes nothing, never starts a server); --statusline: one line for Claude Code, always exit 0",
  },
  args: { statusline: { type: "boolean", description: "Print one short line and never fail (Claude Code's statusLine command)" }, ...as, ...json },
  async run({ args }) {
    if (args.statusline) {
      // Claude must never wait on or see an error from patchbay: silence and exit 0 at worst.
      setTimeout(() => process.exit(0), STATUS_LINE_BUDGET_MS).unref();
      // Claude writes its session JSON to stdin; read and drop it, so its write never meets a closed pipe.
      if (!process.stdin.isTTY) process.stdin.on("error", () => {}).resume();
      try {
        const agent = (args.as ?? process.env.PATCHBAY_AGENT)?.trim();
        if (agent) process.stdout.write(`${statusLineText(agent, await unreadFor(agent, Date.now() + STATUS_LINE_BUDGET_MS - 200))}\n`);
      } catch {
        // nothing to show
      }
      return 0;
    }
    const agent = agentOf(args.as);
    const unread = await unreadFor(agent, Date.now() + 10_000);
    const value = {
      agent,
      server_running: unread !== undefined,
      // Unknown without a server: messages sent before it stopped are kept, unread, until one runs.
      unread: unread === undefined ? null : unread.length,
      from: [...new Set((unread ?? []).map((m) => m.from))],
    };
    emit(args.json, value, () =>
      unread === undefined
        ? `${agent}: no patchbay server runs for ${patchbayHome()}, so unread messages cannot be counted (they are kept until one runs: \`patchbay msg inbox\` starts one and reads them)`
        : statusLineText(agent, unread).replace(/^patchbay /, ""),
    );
    return 0;
  },
});

export default defineCommand({
  meta: { name: "msg", description: "Agent messages from the shell: send, inbox, wait, status, and the Claude Code inbox hook and status line" },
  subCommands: { send, inbox, wait, status, hook },
});
