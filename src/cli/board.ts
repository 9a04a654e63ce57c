import { spawn } from "node:child_process";
import { defineCommand } from "citty";
import { BASE_ONLY, childEnvironment } from "../agents/index.ts";
import { patchbayHome } from "../config/index.ts";
import { PatchbayError } from "../errors/index.ts";
import { isLoopbackHost } from "../net/index.ts";
import { controlRequest, type OwnerRecord, publishedBoardUrl, readOwner, type StatusReport } from "../server/index.ts";
import { emit } from "./output.ts";

/** The board on the first HTTP listener, as a browser on this machine reaches it (a wildcard bind is loopback). */
export function boardUrl(mcpUrls: readonly string[]): string | undefined {
  const first = mcpUrls[0];
  if (!first) return undefined;
  const url = new URL(first);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (host === "0.0.0.0" || host === "::") url.hostname = "127.0.0.1";
  url.pathname = "/board";
  return url.href;
}

/** The board under the running server's server.public_url (a tunnel sets it at start, so only the server knows it), if it has one. */
async function publicBoardUrl(owner: OwnerRecord): Promise<string | undefined> {
  const { data, socket } = await controlRequest(owner, { op: "status" });
  socket.destroy();
  const { public_url } = data as StatusReport;
  return public_url === undefined ? undefined : publishedBoardUrl(public_url);
}

/** What `patchbay board` prints: the URL first (scripts take the first line), then which address it is. */
function describe(url: string, localUrl: string): string {
  const login = isLoopbackHost(new URL(url).hostname) ? "" : "log in with the operator token";
  if (url === localUrl) return login ? `${url}\n(off this machine: ${login})` : url;
  return `${url}\n(server.public_url${login ? `: ${login}` : ""}; this machine's own address is ${localUrl})`;
}

/** The desktop's own opener; it needs the display variables a browser needs, nothing of patchbay's. */
function openBrowser(url: string): void {
  const command = process.platform === "darwin" ? ["open", url] : process.platform === "win32" ? ["cmd", "/c", "start", "", url] : ["xdg-open", url];
  const env = childEnvironment(BASE_ONLY, { pass: ["DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "BROWSER"] });
  const child = spawn(command[0]!, command.slice(1), { env, stdio: "ignore", detached: true });
  child.on("error", () => process.stderr.write(`could not start ${command[0]}; open ${url} yourself\n`));
  child.unref();
}

export default defineCommand({
  meta: {
    name: "board",
    description: "Print the URL of the running server's board (under server.public_url when set), a live web view of workers, jobs, runs and messages",
  },
  args: {
    open: { type: "boolean", description: "Also open it in the default browser" },
    json: { type: "boolean", description: "Print as JSON" },
  },
  async run({ args }) {
    const home = patchbayHome();
    const owner = readOwner(home);
    const localUrl = owner?.kind === "server" ? boardUrl(owner.http) : undefined;
    if (!owner || !localUrl) {
      // A server another command started in the background (`job run`, `stdio`) serves no HTTP; a `start` beside it adds a port.
      const which = owner?.background ? "the background server" : "the server";
      throw new PatchbayError(
        "server_unreachable",
        owner ? `${which} for ${home} (pid ${owner.pid}) serves no HTTP, and the board is served over HTTP` : `no patchbay server runs for ${home}`,
        {
          next: owner
            ? "run `patchbay start` in another terminal: it adds an HTTP port to the running server, then `patchbay board` again"
            : "start one with `patchbay start`",
        },
      );
    }
    const publicUrl = await publicBoardUrl(owner);
    const url = publicUrl ?? localUrl;
    emit(args.json, { url, public_url: publicUrl ?? null, local_url: localUrl, opened: Boolean(args.open) }, () => describe(url, localUrl));
    if (args.open) openBrowser(url);
    return 0;
  },
});
