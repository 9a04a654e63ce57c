import { defineCommand } from "citty";
import { loadConfig, patchbayHome, settingsView } from "../config/index.ts";
import { emit } from "./output.ts";

/** `server.port = 8000` lines, one per leaf, so people can grep them. */
function flatten(value: unknown, prefix = ""): string[] {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([key, inner]) => flatten(inner, prefix ? `${prefix}.${key}` : key));
  }
  return [`${prefix} = ${JSON.stringify(value)}`];
}

export default defineCommand({
  meta: { name: "settings", description: "Show the effective configuration (file, profile, environment), secrets redacted" },
  args: {
    profile: { type: "string", description: "Apply profiles/NAME.toml over config.toml", valueHint: "NAME" },
    json: { type: "boolean", description: "Print as JSON" },
    "reveal-token": { type: "boolean", description: "Show the HTTP token instead of [redacted]" },
  },
  async run({ args }) {
    const home = patchbayHome();
    const config = await loadConfig({ home, profile: args.profile });
    const view = settingsView(config, { env: process.env, revealToken: Boolean(args["reveal-token"]) });
    emit(args.json, { home, settings: view }, () => [`# PATCHBAY_HOME = ${home}`, ...flatten(view)].join("\n"));
    return 0;
  },
});
