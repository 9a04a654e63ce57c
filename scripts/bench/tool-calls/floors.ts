/**
 * The floors of the tool-call bench: canned servers (baselines/canned.ts) that answer with
 * byte-identical copies of the minimal SDK server's trivial answer and of patchbay's own answers,
 * over stdio and over HTTP keep-alive, timed with the same SDK client as every other row. A floor
 * is what any server pays for that answer on that transport; what patchbay takes above it is its own.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Launch } from "../cold-start.ts";
import { benchEnv, type ListeningServer, startListening, tempDir } from "../processes.ts";
import { type CannedAnswers, type CannedCall, captureHttp, captureStdio, lineBytes } from "./canned-answers.ts";
import { type BenchClient, connectHttp, connectStdio, type Series, type ToolCall } from "./client.ts";

export type FloorChannel = "stdio" | "http";

export interface Floor {
  /** The tool whose answer is canned. */
  tool: string;
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

/** Captures the answers, starts the canned servers and connects an SDK client to each. */
export async function startFloors(canned: string, sources: FloorSources, patchbayCalls: readonly ToolCall[]): Promise<Floors> {
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
    const stdioFile = answersFile(answers.stdio);
    const http = await startListening(canned, ["http", answersFile(answers.http)], benchEnv(), (printed) => (printed as { url: string }).url);
    started.push(http);
    const connections: Record<FloorChannel, BenchClient> = {
      stdio: await connectStdio({ command: canned, args: ["stdio", stdioFile], env: benchEnv() }),
      http: await connectHttp(http.url),
    };
    clients.push(connections.stdio, connections.http);
    const floors = (["stdio", "http"] as const).flatMap((channel) =>
      [TRIVIAL, ...patchbayCalls].map((call) => ({
        tool: call.name,
        channel,
        bytes: lineBytes(answers[channel][call.name]!),
        series: { client: connections[channel], call: { name: call.name, args: {} } },
      })),
    );
    return { floors, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
