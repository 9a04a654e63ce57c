/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance 0.1.16) against the real
 * compiled binary: `patchbay start` on a free 127.0.0.1 port, driven over real HTTP.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { listServerScenarios, runConformanceScenario } from "./support/conformance.ts";
import { removeTempDirs, startTestServer, type TestServer } from "./support/patchbay.ts";

/**
 * The scenarios that test patchbay itself, each with the check ids the suite reports for it (its
 * INFO entries are a log of the exchange, not checks) and the warnings it gives, with why.
 */
const APPLICABLE: Record<string, { behaviour: string; checks: string[]; warnings?: Record<string, string> }> = {
  "server-initialize": { behaviour: "answers initialize with a valid result", checks: ["server-initialize"] },
  ping: { behaviour: "answers ping with an empty result", checks: ["ping"] },
  "tools-list": { behaviour: "lists its tools with valid structure", checks: ["tools-list"] },
  "resources-list": { behaviour: "lists its widget resource with valid structure", checks: ["resources-list"] },
  "dns-rebinding-protection": {
    behaviour: "rejects a foreign Host/Origin and accepts a loopback one",
    checks: ["localhost-host-rebinding-rejected", "localhost-host-valid-accepted"],
  },
  "logging-set-level": { behaviour: "accepts logging/setLevel with an empty result", checks: ["logging-set-level"] },
  "server-sse-polling": {
    behaviour: "starts a POST stream with a priming event and a retry hint, and answers a resume from its Last-Event-ID",
    checks: ["server-sse-priming-event", "server-sse-retry-field"],
    warnings: {
      // The check waits for a *result* of its fixture tool after the resume; patchbay has no such
      // tool and answers it with a JSON-RPC error, so the resume delivers that error instead.
      // tests/http/resume.test.ts resumes a real 5 s call (codex_get_result) and gets its result.
      "server-sse-disconnect-resume": "Server did not send tool response after client reconnected with Last-Event-ID",
    },
  },
  "server-sse-multiple-streams": {
    behaviour: "serves concurrent POST requests on working SSE streams",
    checks: ["server-accepts-multiple-post-streams", "server-sse-streams-functional"],
  },
};

/**
 * The suite's other scenarios need fixtures from its reference "everything" server (tools such as
 * test_simple_text, resources such as test://static-text) or capabilities patchbay does not
 * advertise (it declares tools, resources and logging), so they say nothing about patchbay.
 */
const NOT_APPLICABLE: Record<string, string> = {
  "tools-call-simple-text": "fixture tool test_simple_text",
  "tools-call-image": "fixture tool test_image_content",
  "tools-call-audio": "fixture tool test_audio_content",
  "tools-call-embedded-resource": "fixture tool test_embedded_resource",
  "tools-call-mixed-content": "fixture tool test_multiple_content_types",
  "tools-call-with-logging": "fixture tool test_tool_with_logging",
  "tools-call-error": "fixture tool test_error_handling",
  "tools-call-with-progress": "fixture tool test_tool_with_progress",
  "tools-call-sampling": "fixture tool test_sampling",
  "tools-call-elicitation": "fixture tool test_elicitation",
  "elicitation-sep1034-defaults": "fixture tool test_elicitation_sep1034_defaults",
  "elicitation-sep1330-enums": "fixture tool test_elicitation_sep1330_enums",
  "json-schema-2020-12": "fixture tool json_schema_2020_12_tool",
  "resources-read-text": "fixture resource test://static-text",
  "resources-read-binary": "fixture resource test://static-binary",
  "resources-templates-read": "fixture resource template test://template/{id}/data",
  "resources-subscribe": "the resources.subscribe capability",
  "resources-unsubscribe": "the resources.subscribe capability",
  "completion-complete": "the completions capability",
  "prompts-list": "the prompts capability",
  "prompts-get-simple": "the prompts capability",
  "prompts-get-with-args": "the prompts capability",
  "prompts-get-embedded-resource": "the prompts capability",
  "prompts-get-with-image": "the prompts capability",
};

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
  removeTempDirs();
});

test("every server scenario of the pinned suite is classified as applicable or not", async () => {
  const classified = [...Object.keys(APPLICABLE), ...Object.keys(NOT_APPLICABLE)].sort();
  expect((await listServerScenarios()).sort()).toEqual(classified);
});

for (const [scenario, { behaviour, checks, warnings = {} }] of Object.entries(APPLICABLE)) {
  test(`conformance ${scenario}: patchbay ${behaviour}`, async () => {
    const run = await runConformanceScenario(server.url, scenario);
    // errorMessage is undefined on success, so a failing check shows its message in the diff.
    const reported = run.checks.filter(({ status }) => status !== "INFO").map(({ id, status, errorMessage }) => ({ id, status, errorMessage }));
    const expected = [
      ...checks.map((id) => ({ id, status: "SUCCESS" as const, errorMessage: undefined })),
      ...Object.entries(warnings).map(([id, errorMessage]) => ({ id, status: "WARNING" as const, errorMessage })),
    ];
    expect({ code: run.code, checks: reported }).toEqual({ code: 0, checks: expected });
  });
}
