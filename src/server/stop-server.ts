import { PatchbayError } from "../errors/index.ts";
import { isProcessAlive } from "../state/index.ts";
import { controlRequest } from "./control-client.ts";
import type { OwnerRecord } from "./owner.ts";

const STOP_TIMEOUT_MS = 15_000;

/** Asks the server of `owner` to stop cleanly and waits until its process is gone (`patchbay stop`, `start --foreground`). */
export async function stopServer(owner: OwnerRecord): Promise<void> {
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
}
