import { defineCommand } from "citty";
import { loadConfig, patchbayHome } from "../config/index.ts";
import { setLogLevel } from "../log/index.ts";
import { relayStdio, runStandalone, scopeFromConfig } from "../server/index.ts";
import { VERSION } from "../version.ts";
import { launchArgs, launchFlags } from "./launch-args.ts";

export default defineCommand({
  meta: {
    name: "stdio",
    description: "An MCP session over stdio on the shared local server (started in the background when none runs)",
  },
  args: {
    ...launchArgs,
    standalone: { type: "boolean", description: "Run everything in this process (hermetic: CI, tests); refuses if a server owns the state" },
  },
  async run({ args, rawArgs }) {
    setLogLevel("warn"); // stdout is the protocol channel; keep stderr quiet too unless something is wrong
    const home = patchbayHome();
    const config = await loadConfig({ home, profile: args.profile, flags: launchFlags(args, rawArgs) });
    const session = { mode: config.app.tool_mode, scope: scopeFromConfig(config) };
    if (args.standalone) return runStandalone({ home, config, version: VERSION, session });
    return relayStdio(home, session);
  },
});
