import type { Socket } from "node:net";
import { PatchbayError } from "../errors/index.ts";
import type { ControlReply, ControlRequest } from "./control-protocol.ts";
import type { OwnerRecord } from "./owner.ts";

export interface ControlAnswer {
  data: unknown;
  /** The open connection: for `relay` it now carries the MCP session. */
  socket: Socket;
  /** Bytes that followed the reply line (MCP messages the server already sent). */
  rest: Buffer;
}

/**
 * node:net, loaded on the first connection: every command imports this file, and a relay on the
 * descriptor pump (fd-pump.ts) or `patchbay --version` never connects through it. Loading it costs
 * a start a few milliseconds.
 */
const net = () => import("node:net");

/** Sends one control request to the server described by `owner` and waits for its answer line. */
export async function controlRequest(owner: OwnerRecord, request: ControlRequest, timeoutMs = 10_000): Promise<ControlAnswer> {
  const port = owner.control_port;
  if (!port) throw new PatchbayError("server_unreachable", `the owner of this state (pid ${owner.pid}) has no control port`);
  const { connect } = await net();
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(
      () =>
        finish(
          new PatchbayError("server_unreachable", `the server (pid ${owner.pid}) did not answer within ${timeoutMs} ms`, {
            next: "check `patchbay status`, or stop it with `patchbay stop`",
          }),
        ),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const newline = buffered.indexOf(10);
      if (newline < 0) return;
      let data: unknown;
      try {
        data = replyData(buffered.subarray(0, newline).toString("utf8"));
      } catch (error) {
        return finish(error as Error);
      }
      finish(undefined, { data, socket, rest: buffered.subarray(newline + 1) });
    };
    const onError = (error: Error) =>
      finish(new PatchbayError("server_unreachable", `cannot reach the server (pid ${owner.pid}) on 127.0.0.1:${port}: ${error.message}`));
    const onClose = () => finish(new PatchbayError("server_unreachable", "the server closed the connection without answering"));
    function finish(error?: Error, answer?: ControlAnswer) {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("error", onError);
      socket.off("close", onClose);
      if (error) {
        socket.destroy();
        return reject(error);
      }
      socket.pause();
      resolve(answer!);
    }
    socket.on("data", onData);
    socket.on("error", onError);
    socket.on("close", onClose);
    socket.write(helloLine(owner, request));
  });
}

/** The first line a control connection sends: the request with the server's credential. */
export function helloLine(owner: OwnerRecord, request: ControlRequest): string {
  return `${JSON.stringify({ v: 1, credential: owner.credential, ...request })}\n`;
}

/** The data of the server's answer line; throws what the server said went wrong, or that this is not patchbay. */
export function replyData(line: string): unknown {
  let answer: ControlReply;
  try {
    answer = JSON.parse(line) as ControlReply;
  } catch {
    throw new PatchbayError("server_unreachable", "the control port answered something that is not patchbay");
  }
  if (!answer.ok) throw PatchbayError.received(answer.error);
  return answer.data;
}

/**
 * Like controlRequest, for requests that stream: each `{"progress": …}` line before the answer
 * goes to `onProgress`; resolves with the answer's data.
 */
export async function controlStream(
  owner: OwnerRecord,
  request: ControlRequest,
  onProgress: (progress: unknown) => void,
  timeoutMs = 15 * 60 * 1000,
): Promise<unknown> {
  const port = owner.control_port;
  if (!port) throw new PatchbayError("server_unreachable", `the owner of this state (pid ${owner.pid}) has no control port`);
  const { connect } = await net();
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: "127.0.0.1", port });
    let buffered = "";
    let done = false;
    const timer = setTimeout(
      () => finish(new PatchbayError("server_unreachable", `the server (pid ${owner.pid}) did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    function finish(error?: Error, data?: unknown) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(data);
    }
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        let message: ControlReply | { progress: unknown };
        try {
          message = JSON.parse(line) as ControlReply | { progress: unknown };
        } catch {
          return finish(new PatchbayError("server_unreachable", "the control port answered something that is not patchbay"));
        }
        if ("progress" in message) {
          onProgress(message.progress);
          continue;
        }
        if (!message.ok) return finish(PatchbayError.received(message.error));
        return finish(undefined, message.data);
      }
    });
    socket.on("error", (error) =>
      finish(new PatchbayError("server_unreachable", `cannot reach the server (pid ${owner.pid}) on 127.0.0.1:${port}: ${error.message}`)),
    );
    socket.on("close", () => finish(new PatchbayError("server_unreachable", "the server closed the connection without answering")));
    socket.write(helloLine(owner, request));
  });
}
