/**
 * A TCP proxy between a test's client and the server that the test can cut, or that cuts a
 * connection idle for `idleMs` by itself (as a tunnel or a load balancer does). It records what
 * went through, so a test sees the resumes on the wire. It can be switched to another server, as
 * a load balancer moves a client between the servers of a team.
 */
import { connect, createServer, type Socket } from "node:net";

export interface CutProxy {
  /** The server URL with the proxy's port. */
  url: string;
  /** Connections opened through the proxy so far. */
  connections(): number;
  /** Everything the client sent (to the server `target` only, when given), as text. */
  sent(target?: string): string;
  /** Everything the server answered, as text. */
  received(): string;
  /** Drops every open connection, both ways, as a dying tunnel would. */
  cut(): void;
  /** While held, every new connection is dropped at once (the tunnel is down). */
  hold(down: boolean): void;
  /** New connections go to `target` (a server URL) from now on; open ones stay where they are. */
  retarget(target: string): void;
  close(): Promise<void>;
}

export async function startCutProxy(target: string, options: { idleMs?: number } = {}): Promise<CutProxy> {
  let upstream = new URL(target);
  const sentTo = new Map<string, string>();
  const open = new Set<Socket>();
  let opened = 0;
  let sent = "";
  let received = "";
  let held = false;
  const server = createServer((client) => {
    if (held) return void client.destroy();
    opened++;
    const origin = connect(Number(upstream.port), upstream.hostname);
    const host = upstream.host;
    const pair = [client, origin];
    let idle: ReturnType<typeof setTimeout> | undefined;
    const drop = () => {
      clearTimeout(idle);
      for (const socket of pair) {
        socket.destroy();
        open.delete(socket);
      }
    };
    const active = () => {
      if (!options.idleMs) return;
      clearTimeout(idle);
      idle = setTimeout(drop, options.idleMs);
    };
    for (const socket of pair) {
      open.add(socket);
      socket.on("error", drop);
      socket.on("close", drop);
    }
    client.on("data", (chunk) => {
      sent += chunk.toString("latin1");
      sentTo.set(host, (sentTo.get(host) ?? "") + chunk.toString("latin1"));
      active();
      origin.write(chunk);
    });
    origin.on("data", (chunk) => {
      received += chunk.toString("latin1");
      active();
      client.write(chunk);
    });
    active();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const cut = () => {
    for (const socket of [...open]) socket.destroy();
    open.clear();
  };
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    connections: () => opened,
    sent: (to) => (to === undefined ? sent : (sentTo.get(new URL(to).host) ?? "")),
    received: () => received,
    cut,
    hold: (down) => void (held = down),
    retarget: (to) => void (upstream = new URL(to)),
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
