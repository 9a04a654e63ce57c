import { defineCommand } from "citty";
import { patchbayHome } from "../config/index.ts";
import { installCloudflared } from "../connect/cloudflared.ts";
import { emit } from "./output.ts";

export default defineCommand({
  meta: {
    name: "install-cloudflared",
    description: "Download Cloudflare's official cloudflared release into ~/.patchbay/bin (shows what it would fetch; needs --yes)",
  },
  args: {
    yes: { type: "boolean", description: "Download and install it (without this, only show what would be fetched)" },
    json: { type: "boolean", description: "Print as JSON" },
  },
  async run({ args }) {
    const result = await installCloudflared({ yes: Boolean(args.yes), patchbayHome: patchbayHome() });
    emit(args.json, { ok: true, ...result }, () =>
      result.installed
        ? `installed cloudflared (${result.bytes} bytes) at ${result.target}\nfrom ${result.url}\nnext: patchbay start --tunnel-mode cloudflare`
        : `would fetch: ${result.url}\nwould install: ${result.target} (executable)\nnothing was downloaded: run \`patchbay install-cloudflared --yes\` to install it`,
    );
    return result.installed || !args.yes ? 0 : 1;
  },
});
