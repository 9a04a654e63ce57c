import * as v from "valibot";
import { endpointsFor } from "../../mcp/public-url.ts";
import { defineTool, EVERY_MODE, type ToolContext } from "../../mcp/tool.ts";

const check = v.object({ name: v.string(), ok: v.boolean(), detail: v.string() });
type Check = v.InferOutput<typeof check>;

const SHARED_NOTE = "All sessions on this server share its workers, jobs, runs, messages and artifacts; closing this session stops none of them.";

async function stateCheck({ app, session }: ToolContext): Promise<Check> {
  try {
    const written = await app.store.put("meta", "self-test", { by: session.clientRef, at: new Date().toISOString() });
    const read = await app.store.get<{ by: string }>("meta", "self-test");
    const ok = read?.data.by === written.data.by;
    return { name: "state", ok, detail: ok ? "state store writes and reads back" : "state store read back a different record" };
  } catch (error) {
    return { name: "state", ok: false, detail: (error as Error).message };
  }
}

async function gitCheck(): Promise<Check> {
  // Imported on use: dax-sh costs ~20 ms of start-up that every session would otherwise pay.
  const [{ $ }, { childEnvironment, BASE_ONLY }] = await Promise.all([import("dax-sh"), import("../../agents/index.ts")]);
  // Like every child: the base list only, never patchbay's own secrets.
  const result = await $`git --version`.clearEnv().env(childEnvironment(BASE_ONLY)).noThrow().quiet().stdout("piped");
  const ok = result.code === 0;
  return { name: "git", ok, detail: ok ? result.stdout.trim() : "git was not found on PATH: install git" };
}

function configCheck({ app }: ToolContext): Check {
  return { name: "config", ok: true, detail: `tool mode default ${app.config.app.tool_mode}, state driver ${app.config.state.driver}` };
}

export const selfTest = defineTool({
  name: "codex_self_test",
  title: "Self test",
  description: "Check that patchbay is ready and learn this session's client_ref and where the server is reachable. Call it first.",
  input: v.strictObject({ public_base_url: v.optional(v.pipe(v.string(), v.url(), v.maxLength(2048))) }),
  output: v.object({
    ready: v.boolean(),
    version: v.string(),
    client_ref: v.string(),
    tool_mode: v.string(),
    active_sessions: v.number(),
    uptime_seconds: v.number(),
    endpoints: v.array(v.object({ kind: v.string(), url: v.string() })),
    checks: v.array(check),
    note: v.string(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  capability: "read",
  modes: EVERY_MODE,
  forAgents: true,
  labels: { invoking: "Checking patchbay", invoked: "patchbay checked" },
  async handler({ public_base_url }, context) {
    const { app, session, progress } = context;
    const steps: Array<() => Check | Promise<Check>> = [() => configCheck(context), () => stateCheck(context), gitCheck];
    const checks: Check[] = [];
    for (const [index, step] of steps.entries()) {
      const result = await step();
      checks.push(result);
      await progress.report(index + 1, steps.length, `${result.name}: ${result.ok ? "ok" : "failed"}`);
    }
    const ready = checks.every((c) => c.ok);
    const endpoints = endpointsFor(context);
    if (public_base_url) endpoints.push({ kind: "http", url: new URL("/mcp", public_base_url).toString() });
    const failed = checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    return {
      text:
        `${ready ? "patchbay is ready" : `patchbay is not ready (${failed.join("; ")})`}. ` +
        `You are ${session.clientRef} in tool mode ${session.mode}; ${app.activeSessions()} session(s) active. ` +
        // Where the server is reachable, in the text too: some hosts' models read only the text (docs/hosts.md).
        `${endpoints.length ? `Reachable at ${endpoints.map((endpoint) => `${endpoint.url} (${endpoint.kind})`).join(", ")}. ` : ""}${SHARED_NOTE}`,
      structured: {
        ready,
        version: app.version,
        client_ref: session.clientRef,
        tool_mode: session.mode,
        active_sessions: app.activeSessions(),
        uptime_seconds: Math.round((Date.now() - app.startedAt.getTime()) / 1000),
        endpoints,
        checks,
        note: SHARED_NOTE,
      },
    };
  },
});
