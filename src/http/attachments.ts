/**
 * `PUT|GET /attachments/<namespace>/<agent>/<id>/<filename>?expires=…&signature=…`: the signed
 * URLs upload_attachment and get_attachment hand out. The signature is the permission (no bearer
 * token), bodies are capped at messaging.max_attachment_bytes without being read past the cap.
 */
import { httpStatusFor, isPatchbayError, PatchbayError } from "../errors/index.ts";
import { readCappedBody } from "./guards.ts";

/** What the HTTP layer needs from messaging's attachments. */
export interface AttachmentFiles {
  readonly maxBytes: number;
  verify(method: "PUT" | "GET", path: string, expires: string | null, signature: string | null, type: string | null): Promise<string | PatchbayError>;
  write(path: string, bytes: Uint8Array, contentType?: string): Promise<{ path: string; size: number }>;
  read(agent: undefined, path: string): Promise<{ data: { filename: string; content_type?: string }; bytes: Uint8Array }>;
}

const PREFIX = "/attachments/";

function failure(error: PatchbayError): Response {
  return Response.json({ error: { code: error.code, message: error.message, next: error.next } }, { status: httpStatusFor(error) });
}

export async function serveAttachment(request: Request, files: AttachmentFiles): Promise<Response> {
  const url = new URL(request.url);
  const method = request.method === "HEAD" ? "GET" : request.method;
  if (method !== "PUT" && method !== "GET") return new Response(null, { status: 405, headers: { allow: "GET, PUT" } });
  // The raw (still percent-encoded) path: an encoded dot or slash is refused, never decoded into one.
  const path = url.pathname.slice(PREFIX.length);
  const signedType = url.searchParams.get("type");
  const granted = await files.verify(method, path, url.searchParams.get("expires"), url.searchParams.get("signature"), signedType);
  if (typeof granted !== "string") return failure(granted);
  try {
    if (method === "PUT") {
      const body = await readCappedBody(request, files.maxBytes);
      if (body instanceof Response)
        return failure(new PatchbayError("attachment_too_large", `attachments are limited to ${files.maxBytes} bytes (messaging.max_attachment_bytes)`));
      // The type upload_attachment signed wins over what the PUT says.
      const stored = await files.write(granted, body, signedType || (request.headers.get("content-type") ?? undefined));
      return Response.json({ path: stored.path, size: stored.size }, { status: 201 });
    }
    const { data, bytes } = await files.read(undefined, granted);
    return new Response(request.method === "HEAD" ? null : bytes.slice(), {
      headers: {
        // The stored type as is (validated type/subtype), but never rendered: always a download,
        // never sniffed, and sandboxed without scripts should a browser show it anyway.
        "content-type": data.content_type ?? "application/octet-stream",
        "content-disposition": `attachment; filename="${data.filename}"`,
        "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'; sandbox",
        "content-length": String(bytes.byteLength),
      },
    });
  } catch (error) {
    if (isPatchbayError(error)) return failure(error);
    throw error;
  }
}

export function isAttachmentPath(pathname: string): boolean {
  return pathname.startsWith(PREFIX);
}
