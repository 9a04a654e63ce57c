import { defineCommand } from "citty";
import start from "./start.ts";

/** `patchbay ngrok` and `patchbay stable`: `start` with the tunnel mode preset. */
function preset(name: string, mode: string, description: string) {
  return defineCommand({
    meta: { name, description },
    args: start.args,
    run: (context) => start.run!({ ...context, args: { ...context.args, "tunnel-mode": context.args["tunnel-mode"] ?? mode } } as never),
  });
}

export const ngrok = preset("ngrok", "ngrok", "`patchbay start --tunnel-mode ngrok`: serve through an ngrok tunnel (needs the HTTP token)");
export const stable = preset(
  "stable",
  "cloudflare-named",
  "`patchbay start --tunnel-mode cloudflare-named`: serve through your named Cloudflare tunnel (needs --hostname and the HTTP token)",
);
