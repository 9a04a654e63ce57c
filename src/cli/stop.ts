import { defineCommand } from "citty";
import { patchbayHome } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { controlRequest, readOwner } from "../server/index.ts";
import { isProcessAlive } from "../state/index.ts";
import { emit } from "./output.ts";

const STOP_TIMEOUT_MS = 15_000;

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
    const { socket } = await controlRequest(owner, { op: "stop" });
    socket.destroy();
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (isProcessAlive(owner.pid)) {
      if (Date.now() > deadline)
        throw new PatchbayError("stop_timeout", `the server (pid ${owner.pid}) is still running after ${STOP_TIMEOUT_MS / 1000} s`, {
          next: `kill ${owner.pid}`,
        });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    emit(args.json, { stopped: true, pid: owner.pid, home }, () => `stopped the patchbay server (pid ${owner.pid})`);
    return 0;
  },
});
