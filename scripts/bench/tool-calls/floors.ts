/**
 * The floors of the tool-call bench: canned servers (baselines/canned.ts) that answer with
 * byte-identical copies of the minimal SDK server's trivial answer and of patchbay's own answers,
 * over stdio and over HTTP keep-alive, timed with the same SDK client as every other row. A floor
 * is what any server pays for that answer on that transport; what patchbay takes above it is its own.
 * Beside them the minimal SDK server returning the same answers from a tool that does nothing else:
 * what the SDK's server layer adds to each answer. Over HTTP also that server answering with one
 * JSON body instead of an SSE stream (`sdk-json`): the cheapest answer the SDK's transport gives.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Launch } from "../cold-start.ts";
import { benchEnv, type ListeningServer, startListening, tempDir } from "../processes.ts";
import { type CannedAnswers, type CannedCall, captureHttp, captureStdio, lineBytes } from "./canned-answers.ts";
import { type BenchClient, connectHttp, connectStdio, type Series, type ToolCall } from "./client.ts";

export type FloorChannel = "stdio" | "http";

/**
 * `canned`: no MCP code; `sdk`: the minimal SDK server, its tool returning the canned result;
 * `sdk-json`: the same over HTTP with `enableJsonResponse` (one JSON body, no SSE).
 */
export type FloorServer = "canned" | "sdk" | "sdk-json";

export interface Floor {
  /** The tool whose answer is canned. */
  tool: string;
  server: FloorServer;
  channel: FloorChannel;
  /** The answer's JSON-RPC line, in bytes. */
  bytes: number;
  series: Series;
}

/** Where each captured answer comes from: the minimal SDK server's, and patchbay's over each channel. */
export interface FloorSources {
  sdkMinimal: { stdio: Launch; httpUrl: string };
  patchbay: { stdio: Launch; httpUrl: string };
}

export interface Floors {
  floors: Floor[];
  stop(): Promise<void>;
}

const TRIVIAL: ToolCall = { name: "info", args: {} };

function answersFile(answers: CannedAnswers): string {
  const file = join(tempDir("patchbay-bench-canned-"), "answers.json");
  writeFileSync(file, JSON.stringify(answers));
  return file;
}

/** Captures the answers, starts the floor servers and connects an SDK client to each. */
export async function startFloors(bin: { canned: string; sdkMinimal: string }, sources: FloorSources, patchbayCalls: readonly ToolCall[]): Promise<Floors> {
  const ours: CannedCall[] = patchbayCalls.map((call) => ({ as: call.name, call }));
  const trivial: CannedCall[] = [{ as: TRIVIAL.name, call: TRIVIAL }];
  const answers: Record<FloorChannel, CannedAnswers> = {
    stdio: { ...(await captureStdio(sources.sdkMinimal.stdio, trivial)), ...(await captureStdio(sources.patchbay.stdio, ours)) },
    http: { ...(await captureHttp(sources.sdkMinimal.httpUrl, trivial)), ...(await captureHttp(sources.patchbay.httpUrl, ours)) },
  };
  const started: ListeningServer[] = [];
  const clients: BenchClient[] = [];
  const stop = async () => {
    for (const client of clients) await client.close();
    for (const server of started) await server.stop();
  };
  try {
    const files: Record<FloorChannel, string> = { stdio: answersFile(answers.stdio), http: answersFile(answers.http) };
    const connect = async (server: FloorServer, channel: FloorChannel) => {
      const command = server === "canned" ? bin.canned : bin.sdkMinimal;
      if (channel === "stdio") return connectStdio({ command, args: ["stdio", files.stdio], env: benchEnv() });
      const args = ["http", files.http, ...(server === "sdk-json" ? ["--json-response"] : [])];
      const listening = await startListening(command, args, benchEnv(), (printed) => (printed as { url: string }).url);
      started.push(listening);
      return connectHttp(listening.url);
    };
    const floors: Floor[] = [];
    const servers: Array<[FloorServer, FloorChannel]> = [
      ["canned", "stdio"],
      ["canned", "http"],
      ["sdk", "stdio"],
      ["sdk", "http"],
      ["sdk-json", "http"],
    ];
    for (const [server, channel] of servers) {
      const client = await connect(server, channel);
      clients.push(client);
      // On the SDK floors the trivial tool is the minimal server's own: another instance of the baseline, so its spread shows.
      for (const call of [TRIVIAL, ...patchbayCalls]) {
        floors.push({
          tool: call.name,
          server,
          channel,
          bytes: lineBytes(answers[channel][call.name]!),
          series: { client, call: { name: call.name, args: {} } },
        });
      }
    }
    return { floors, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
