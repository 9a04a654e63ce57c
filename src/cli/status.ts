import { defineCommand } from "citty";
import { patchbayHome } from "../config/index.ts";
import { controlRequest, readOwner, type StatusReport } from "../server/index.ts";
import { emit } from "./output.ts";

function describe(status: StatusReport): string {
  return [
    `patchbay ${status.version} is running (pid ${status.pid}) for ${status.home}`,
    `  uptime:       ${status.uptime_seconds} s (since ${status.started_at})`,
    `  http:         ${status.http.join(", ") || "none (local stdio sessions only)"}`,
    `  sessions:     ${status.sessions.total} (${status.sessions.stdio} stdio, ${status.sessions.http} http)`,
    `  running jobs: ${status.running_jobs}`,
  ].join("\n");
}

export default defineCommand({
  meta: { name: "status", description: "Show the running server: pid, addresses, uptime, sessions, running jobs" },
  args: { json: { type: "boolean", description: "Print as JSON" } },
  async run({ args }) {
    const home = patchbayHome();
    const owner = readOwner(home);
    if (!owner) {
      emit(args.json, { running: false, home }, () => `no patchbay server runs for ${home} (start one with \`patchbay start\`)`);
      return 1;
    }
    if (owner.kind === "standalone") {
      emit(
        args.json,
        { running: true, kind: "standalone", pid: owner.pid, home, started_at: owner.started_at },
        () => `a standalone stdio session (pid ${owner.pid}) owns ${home} since ${owner.started_at}`,
      );
      return 0;
    }
    const { data, socket } = await controlRequest(owner, { op: "status" });
    socket.destroy();
    const status = data as StatusReport;
    emit(args.json, { running: true, kind: "server", ...status }, () => describe(status));
    return 0;
  },
});
