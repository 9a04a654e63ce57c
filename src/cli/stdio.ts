import { defineCommand } from "citty";
// config-names.ts itself, not the agents index: that would load every adapter into each host's `patchbay stdio`.
import { loadCheckedConfig } from "../agents/config-names.ts";
import { patchbayHome, readConfigFile, toolModeChosen } from "../config/index.ts";
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
    const base = args.config === undefined ? undefined : await readConfigFile(String(args.config));
    const options = { home, profile: args.profile, flags: launchFlags(args, rawArgs), base };
    const config = await loadCheckedConfig(options);
    const session = { mode: config.app.tool_mode, modeIsDefault: !(await toolModeChosen(options)), scope: scopeFromConfig(config) };
    if (args.standalone) return runStandalone({ home, config, version: VERSION, session });
    // A server this session launches runs with the same file.
    return relayStdio(home, session, base?.file);
  },
});
