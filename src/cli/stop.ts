import { defineCommand } from "citty";
import { patchbayHome } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { readOwner, stopServer } from "../server/index.ts";
import { emit } from "./output.ts";

export default defineCommand({
  meta: { name: "stop", description: "Stop the running server cleanly" },
  args: { json: { type: "boolean", description: "Print as JSON" } },
  async run({ args }) {
    const home = patchbayHome();
    const owner = readOwner(home);
    if (!owner) {
      emit(args.json, { stopped: false, running: false, home }, () => `no patchbay server runs for ${home}; nothing to stop`);
      return 0;
    }
    if (owner.kind === "standalone") {
      throw new PatchbayError("state_owned", `${home} is owned by a standalone stdio session (pid ${owner.pid}), not a server`, {
        next: "close the host that runs it",
      });
    }
    await stopServer(owner);
    emit(args.json, { stopped: true, pid: owner.pid, home }, () => `stopped the patchbay server (pid ${owner.pid})`);
    return 0;
  },
});
