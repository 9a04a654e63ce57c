/**
 * A board POST is read only up to its cap, also when the body is chunked and declares no length:
 * the server answers 413 after the cap instead of reading the whole body.
 */
import { afterAll, expect, test } from "bun:test";
import { removeTempDirs, startTestServer } from "../support/patchbay.ts";
import { pipelineRepo, mockToml } from "../pipeline/helpers.ts";

afterAll(() => removeTempDirs());

test("a chunked board action over 256 KiB is refused with 413 after the cap, and the server goes on answering", async () => {
  const server = await startTestServer({ args: ["--root", pipelineRepo(mockToml())] });
  try {
    const origin = new URL(server.url).origin;
    const page = await (await fetch(`${origin}/board`)).text();
    const csrf = /data-csrf="([^"]+)"/.exec(page)?.[1];
    expect(csrf).toBeDefined();
    let sent = 0;
    const chunk = new TextEncoder().encode(`${" ".repeat(64 * 1024 - 1)}\n`);
    // Up to 64 MiB in 64 KiB chunks, with no Content-Length: the reader must stop at the cap on its own. Socket
    // and client buffers take a few MiB after the server stops reading; a server reading it whole takes all.
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 1024) return controller.close();
        sent += 1;
        controller.enqueue(chunk);
      },
    });
    const answer = await fetch(`${origin}/board/action`, {
      method: "POST",
      headers: { origin, "content-type": "application/json", "x-patchbay-csrf": csrf! },
      body,
      duplex: "half",
    } as RequestInit);
    expect(answer.status).toBe(413);
    expect(sent).toBeLessThan(1024);
    expect((await fetch(`${origin}/health`)).status).toBe(200);
  } finally {
    await server.stop();
  }
});
