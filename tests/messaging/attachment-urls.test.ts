/**
 * Attachments through the compiled binary: a declared mime_type is what downloads carry (and HTML
 * is only ever a download), and get_attachment takes the URL the sender was given, never one of
 * another host, which it refuses without making any request.
 */
import { afterAll, afterEach, expect, test } from "bun:test";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { connectHttp, type TestClient } from "../support/clients.ts";
import { removeTempDirs, runPatchbay, startTestServer, tempDir, type TestServer } from "../support/patchbay.ts";

afterAll(removeTempDirs);

let cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

interface Upload {
  path: string;
  upload_url: string;
}

async function setUp(configToml = ""): Promise<{ home: string; server: TestServer; alice: TestClient; bob: TestClient }> {
  const home = tempDir();
  if (configToml) writeFileSync(`${home}/config.toml`, configToml);
  const tokens: string[] = [];
  for (const name of ["alice", "bob"]) {
    const added = await runPatchbay(["token", "add", "--namespace", "team", name, "--json"], { home });
    expect(added.code).toBe(0);
    tokens.push((JSON.parse(added.stdout) as { token: string }).token);
  }
  const server = await startTestServer({ home });
  cleanup.push(() => server.stop());
  const alice = await connectHttp("v2-legacy", server.url, { token: tokens[0] });
  const bob = await connectHttp("v1", server.url, { token: tokens[1] });
  cleanup.push(
    () => alice.close(),
    () => bob.close(),
  );
  return { home, server, alice, bob };
}

async function structured<T>(client: TestClient, tool: string, args: Record<string, unknown>): Promise<T> {
  const result = await client.callTool(tool, args);
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  return result.structuredContent as T;
}

async function uploaded(client: TestClient, args: Record<string, unknown>, body: string, headers: Record<string, string> = {}): Promise<Upload> {
  const upload = await structured<Upload>(client, "upload_attachment", args);
  expect((await fetch(upload.upload_url, { method: "PUT", body, headers })).status).toBe(201);
  return upload;
}

async function downloadOf(client: TestClient, path: string): Promise<Response> {
  const { download_url } = await structured<{ download_url: string }>(client, "get_attachment", { path });
  return fetch(download_url);
}

test("mime_type is stored and served as the download's Content-Type; HTML is only ever a download, never sniffed", async () => {
  const { home, alice, bob } = await setUp();
  // The type upload_attachment was given wins over the PUT's own Content-Type.
  const pdf = await uploaded(alice, { filename: "report.pdf", mime_type: "application/pdf" }, "%PDF-1.7", { "content-type": "text/html" });
  const pdfDownload = await downloadOf(bob, pdf.path);
  expect(pdfDownload.headers.get("content-type")).toBe("application/pdf");
  expect(await pdfDownload.text()).toBe("%PDF-1.7");

  const page = await uploaded(alice, { filename: "page.html", mime_type: "text/html" }, "<script>alert(1)</script>");
  const pageDownload = await downloadOf(bob, page.path);
  expect(pageDownload.headers.get("content-type")).toBe("text/html");
  expect(pageDownload.headers.get("content-disposition")).toBe('attachment; filename="page.html"');
  expect(pageDownload.headers.get("x-content-type-options")).toBe("nosniff");
  expect(pageDownload.headers.get("content-security-policy")).toContain("sandbox");

  // Without mime_type, the PUT's type/subtype is kept (parameters dropped).
  const image = await uploaded(alice, { filename: "dot.png" }, "png", { "content-type": "IMAGE/PNG; charset=binary" });
  expect((await downloadOf(bob, image.path)).headers.get("content-type")).toBe("image/png");

  // A value that is not a type/subtype token hands out no upload URL.
  const before = readdirSync(`${home}/attachments/team/alice`).length;
  for (const bad of ["text/html; charset=utf-8", "../../etc/passwd", "text/html\r\nx-evil: 1", "pdf"]) {
    const refused = await alice.callTool("upload_attachment", { filename: "x.txt", mime_type: bad });
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused.content)).toContain("mime_type");
    expect(JSON.stringify(refused)).not.toContain("/attachments/");
  }
  expect(readdirSync(`${home}/attachments/team/alice`).length).toBe(before);
});

test("relay_url stores the given mime_type instead of the fetched one, and serves it", async () => {
  const origin = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("a,b\n1,2\n", { headers: { "content-type": "text/plain" } }) });
  cleanup.push(() => origin.stop(true));
  const { alice, bob } = await setUp("[messaging]\nrelay_allow_private = true\n");
  const relayed = await structured<{ path: string; content_type: string; download_url: string }>(alice, "relay_url", {
    url: `http://127.0.0.1:${origin.port}/data`,
    filename: "data.csv",
    mime_type: "text/csv",
  });
  expect(relayed.content_type).toBe("text/csv");
  const download = await downloadOf(bob, relayed.path);
  expect(download.headers.get("content-type")).toBe("text/csv");
  expect(await download.text()).toBe("a,b\n1,2\n");
  expect((await fetch(relayed.download_url)).headers.get("content-type")).toBe("text/csv");
});

test("get_attachment takes the upload or download URL the sender was given; another host's URL is refused without a request", async () => {
  const { home, server, alice, bob } = await setUp();
  const upload = await uploaded(alice, { filename: "notes.md" }, "# shared notes");
  const byUploadUrl = await structured<{ path: string; text: string; download_url: string }>(bob, "get_attachment", { path: upload.upload_url });
  expect(byUploadUrl).toMatchObject({ path: upload.path, text: "# shared notes" });
  // path_or_url: the Patchcord design's name for the argument.
  const byDownloadUrl = await structured<{ text: string }>(bob, "get_attachment", { path_or_url: byUploadUrl.download_url });
  expect(byDownloadUrl.text).toBe("# shared notes");

  let requests = 0;
  const elsewhere = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () => {
      requests++;
      return new Response("# not from patchbay");
    },
  });
  cleanup.push(() => elsewhere.stop(true));
  const own = new URL(upload.upload_url);
  const foreign = [
    `http://127.0.0.1:${elsewhere.port}${own.pathname}${own.search}`,
    `http://localhost:${elsewhere.port}${own.pathname}`,
    `https://example.com${own.pathname}`,
    `${new URL(server.url).origin}/mcp/../attachments/${upload.path}`.replace("/mcp/..", "/other"),
    `file://${home}/attachments/${upload.path}`,
  ];
  for (const url of foreign) {
    const refused = await bob.callTool("get_attachment", { path: url });
    expect(refused.isError, url).toBe(true);
    expect(JSON.stringify(refused)).toContain("url_refused");
    expect(JSON.stringify(refused)).not.toContain("shared notes");
  }
  expect(requests).toBe(0);
  expect(existsSync(`${home}/attachments/${upload.path}`)).toBe(true);
});
