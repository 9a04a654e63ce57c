const OPENING_COMMENT = new TextEncoder().encode(": stream open\n\n");

/**
 * Bun sends a streamed response's headers only with its first body chunk, so an SSE stream the
 * server has nothing to say on yet (the GET stream, a quiet tool call) would leave the client
 * waiting for headers until the SDK's first 15 s keep-alive. An SSE comment first flushes them;
 * every SSE parser ignores comments.
 */
export function flushSseHeaders(response: Response): Response {
  return withSsePrefix(response, OPENING_COMMENT);
}

/** An SSE response whose body starts with `prefix`; any other response as it is. */
export function withSsePrefix(response: Response, prefix: Uint8Array): Response {
  if (!response.body || !(response.headers.get("content-type") ?? "").startsWith("text/event-stream")) return response;
  const reader = response.body.getReader();
  let opened = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!opened) {
        opened = true;
        return controller.enqueue(prefix);
      }
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
