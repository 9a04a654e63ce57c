import { defineCommand } from "citty";
import { loadConfig, patchbayHome, saveProfile } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { log, setLogLevel } from "../log/index.ts";
import { assertExposureAllowed, controlRequest, httpToken, readOwner, startServer } from "../server/index.ts";
import { VERSION } from "../version.ts";
import { launchArgs, launchFlags } from "./launch-args.ts";
import { printGuide, setupGuide } from "./setup-guide.ts";

function mcpUrl(host: string, port: number): string {
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}/mcp`;
}

export default defineCommand({
  meta: { name: "start", description: "Run the patchbay server in the foreground (one per PATCHBAY_HOME); a second start adds a port to the running one" },
  args: {
    ...launchArgs,
    host: { type: "string", description: "Address to listen on (default 127.0.0.1; anything else needs a token)", valueHint: "ADDR" },
    port: { type: "string", description: "Port to listen on (default 8000; 0 picks a free one)", valueHint: "PORT" },
    "save-profile": { type: "boolean", description: "Save these launch flags as the profile named by --profile (default: default)" },
    "print-only": { type: "boolean", description: "Print the connection guide and exit without starting" },
    json: { type: "boolean", description: "Print the connection guide as JSON (under setup_guide)" },
    "reveal-token": { type: "boolean", description: "Show the HTTP token in the guide instead of [redacted]" },
    http: { type: "boolean", default: true, description: "Serve HTTP (--no-http serves only local stdio sessions)" },
  },
  async run({ args, rawArgs }) {
    const home = patchbayHome();
    const flags = launchFlags(args, rawArgs);
    if (args["save-profile"]) {
      const file = await saveProfile(home, args.profile ?? "default", flags);
      log.success(`saved the launch flags to ${file}`);
    }
    const config = await loadConfig({ home, profile: args["save-profile"] ? (args.profile ?? "default") : args.profile, flags });
    setLogLevel(config.logging.level);
    const token = httpToken(config);
    const { host, port } = config.server;
    const guide = (url: string) => setupGuide(config, url, token, Boolean(args["reveal-token"]));
    const print = (url: string, listening: boolean) =>
      process.stdout.write(args.json ? `${JSON.stringify({ setup_guide: guide(url), listening }, null, 2)}\n` : `${printGuide(guide(url), listening)}\n`);
    if (args["print-only"]) return void print(mcpUrl(host, port), false);
    if (args.http) assertExposureAllowed(config, host, token);

    const owner = readOwner(home);
    if (owner?.kind === "server" && owner.control_port) {
      if (!args.http) throw new PatchbayError("server_running", `a patchbay server (pid ${owner.pid}) already runs for ${home}`, { next: "`patchbay status` shows it" });
      const { data } = await controlRequest(owner, { op: "listen", host, port });
      log.success(`added ${String(data)} to the running server (pid ${owner.pid})`);
      return void print(String(data), true);
    }

    const server = await startServer({ home, config, version: VERSION, http: args.http ? { host, port } : undefined });
    const stopOn = (signal: string) => process.once(signal, () => {
      log.info(`${signal}: stopping`);
      void server.stop();
    });
    stopOn("SIGINT");
    stopOn("SIGTERM");
    if (args.http) print(server.host.endpoints()[0]!.url, true);
    else log.info(`serving local sessions for ${home} (pid ${process.pid})`);
    await server.stopped;
    return 0;
  },
});
