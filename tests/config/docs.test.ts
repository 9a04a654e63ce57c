import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { describeConfig, renderConfigDocs } from "../../src/config/index.ts";
import { configDocsFile } from "../../src/config/docs.ts";

test("docs/configuration.md matches the schema (regenerate with: bun src/config/docs.ts)", () => {
  expect(readFileSync(configDocsFile, "utf8")).toBe(renderConfigDocs());
});

test("each key is documented with its default, the text its errors use, and a description", () => {
  const port = describeConfig().find((row) => row.key === "server.port");
  expect(port).toEqual({
    key: "server.port",
    default: "8000",
    allowed: "1-65535",
    description: "TCP port the HTTP server listens on (the --port flag also takes 0: any free port).",
  });
  expect(describeConfig().filter((row) => row.allowed === "" || row.description === "")).toEqual([]);
});
