#!/usr/bin/env bun
/**
 * patchbay's command line. Subcommands load lazily, so `patchbay stdio` pays neither for the
 * HTTP server nor for capabilities it does not use.
 */
import { defineCommand } from "citty";
import { runCli } from "./cli/run-cli.ts";
import { endStartupJitPolicyLater } from "./runtime/startup-jit.ts";
import { VERSION } from "./version.ts";

endStartupJitPolicyLater();

const main = defineCommand({
  meta: { name: "patchbay", version: VERSION, description: "A local MCP control plane for teams of coding agents" },
  subCommands: {
    start: () => import("./cli/start.ts").then((m) => m.default),
    stdio: () => import("./cli/stdio.ts").then((m) => m.default),
    status: () => import("./cli/status.ts").then((m) => m.default),
    stop: () => import("./cli/stop.ts").then((m) => m.default),
    settings: () => import("./cli/settings.ts").then((m) => m.default),
    doctor: () => import("./cli/doctor.ts").then((m) => m.default),
    handoff: () => import("./cli/handoff.ts").then((m) => m.default),
    context: () => import("./cli/context.ts").then((m) => m.default),
    token: () => import("./cli/token.ts").then((m) => m.default),
    oauth: () => import("./cli/oauth.ts").then((m) => m.default),
    agent: () => import("./cli/agent.ts").then((m) => m.default),
    msg: () => import("./cli/msg.ts").then((m) => m.default),
    mcp: () => import("./cli/mcp.ts").then((m) => m.default),
    setup: () => import("./cli/setup.ts").then((m) => m.default),
    ngrok: () => import("./cli/tunnel-shortcuts.ts").then((m) => m.ngrok),
    stable: () => import("./cli/tunnel-shortcuts.ts").then((m) => m.stable),
    "install-cloudflared": () => import("./cli/install-cloudflared.ts").then((m) => m.default),
    pipeline: () => import("./cli/pipeline.ts").then((m) => m.default),
    init: () => import("./cli/pipeline.ts").then((m) => m.PIPELINE_COMMANDS.init),
    cancel: () => import("./cli/pipeline.ts").then((m) => m.PIPELINE_COMMANDS.cancel),
    plan: () => import("./cli/pipeline.ts").then((m) => m.PIPELINE_COMMANDS.plan),
    approve: () => import("./cli/pipeline.ts").then((m) => m.PIPELINE_COMMANDS.approve),
    write: () => import("./cli/pipeline.ts").then((m) => m.PIPELINE_COMMANDS.write),
    test: () => import("./cli/pipeline.ts").then((m) => m.PIPELINE_COMMANDS.test),
    review: () => import("./cli/pipeline.ts").then((m) => m.PIPELINE_COMMANDS.review),
    fix: () => import("./cli/pipeline.ts").then((m) => m.PIPELINE_COMMANDS.fix),
    apply: () => import("./cli/pipeline.ts").then((m) => m.PIPELINE_COMMANDS.apply),
    diff: () => import("./cli/pipeline.ts").then((m) => m.PIPELINE_COMMANDS.diff),
    events: () => import("./cli/pipeline.ts").then((m) => m.PIPELINE_COMMANDS.events),
    runs: () => import("./cli/pipeline.ts").then((m) => m.PIPELINE_COMMANDS.runs),
    cleanup: () => import("./cli/pipeline.ts").then((m) => m.PIPELINE_COMMANDS.cleanup),
    run: () => import("./cli/pipeline.ts").then((m) => m.PIPELINE_COMMANDS.run),
    config: () => import("./cli/pipeline.ts").then((m) => m.PIPELINE_COMMANDS.config),
    job: () => import("./cli/job.ts").then((m) => m.default),
    usage: () => import("./cli/usage.ts").then((m) => m.default),
    worker: () => import("./cli/worker.ts").then((m) => m.default),
    board: () => import("./cli/board.ts").then((m) => m.default),
  },
});

const code = await runCli(main, process.argv.slice(2));
// Long-running commands (start, stdio) resolve only when they are done, so exiting here is safe.
process.exit(code);
