import { expect, test } from "bun:test";
import { REDACTED, createRedactor, redactToken } from "../../src/redact/index.ts";

const { redact } = createRedactor({});

test("each well-known key shape is redacted", () => {
  const shapes = {
    openai: `sk-${"Ab3".repeat(16)}`,
    openaiProject: `sk-proj-${"aB9_-".repeat(20)}`,
    anthropic: `sk-ant-api03-${"xY7-".repeat(23)}`,
    githubClassic: `ghp_${"a1B2".repeat(9)}`,
    githubOauth: `gho_${"Z9y8".repeat(9)}`,
    githubUser: `ghu_${"c3D4".repeat(9)}`,
    githubServer: `ghs_${"e5F6".repeat(9)}`,
    githubRefresh: `ghr_${"g7H8".repeat(9)}`,
    githubFineGrained: `github_pat_11ABCDEFG0${"k1_L".repeat(20)}`,
    aws: "AKIAIOSFODNN7EXAMPLE",
    google: `AIza${"Sy0_-".repeat(7)}`,
    slackBot: "xoxb-1234567890-0987654321-AbCdEfGhIjKl",
    slackUser: "xoxp-1234567890-0987654321-AbCdEfGhIjKl",
  };
  for (const [name, secret] of Object.entries(shapes)) {
    expect({ name, out: redact(`using ${secret} now`) }).toEqual({ name, out: `using ${REDACTED} now` });
  }
});

test("private key blocks are redacted whole, even when cut short", () => {
  const block = ["-----BEGIN OPENSSH PRIVATE KEY-----", "b3BlbnNzaC1rZXktdjEAAAAA", "QyNTUxOQAAACBX", "-----END OPENSSH PRIVATE KEY-----"].join("\n");
  expect(redact(`key:\n${block}\nafter`)).toBe(`key:\n${REDACTED}\nafter`);
  expect(redact("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA")).toBe(REDACTED);
  expect(redact("-----BEGIN PUBLIC KEY-----")).toBe("-----BEGIN PUBLIC KEY-----");
});

test("bearer tokens and patchbay_token URL parameters keep their label", () => {
  expect(redact("Authorization: Bearer abc.def-123")).toBe(`Authorization: Bearer ${REDACTED}`);
  expect(redact('{"authorization":"Bearer abc123"}')).toBe(`{"authorization":"Bearer ${REDACTED}"}`);
  expect(redact("GET http://localhost:7777/mcp?patchbay_token=s3cr3t&x=1")).toBe(`GET http://localhost:7777/mcp?patchbay_token=${REDACTED}&x=1`);
});

test("values of secret-named environment variables are redacted, longest first", () => {
  const { redact: redactEnv } = createRedactor({
    OPENAI_API_KEY: "plain-value-1",
    GH_TOKEN: "plain-value-1-extended",
    DB_PASSWORD: "p4ss.w(rd)*",
    AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI",
    GCP_CREDENTIALS: "cred-json-blob",
    HOME: "/home/somebody",
  });
  expect(redactEnv("a plain-value-1-extended b plain-value-1 c")).toBe(`a ${REDACTED} b ${REDACTED} c`);
  expect(redactEnv("login p4ss.w(rd)* p4ssxw(rd)")).toBe(`login ${REDACTED} p4ssxw(rd)`);
  expect(redactEnv("wJalrXUtnFEMI cred-json-blob /home/somebody")).toBe(`${REDACTED} ${REDACTED} /home/somebody`);
});

test("redactDeep redacts strings inside objects and arrays and keeps everything else", () => {
  const { redactDeep } = createRedactor({ SERVICE_TOKEN: "tok-12345678" });
  const input = { ok: true, n: 3, nested: { list: ["tok-12345678", 7, null], note: "Bearer x" }, header: "Authorization: Bearer tok-12345678" };
  expect(redactDeep(input)).toEqual({ ok: true, n: 3, nested: { list: [REDACTED, 7, null], note: "Bearer x" }, header: `Authorization: Bearer ${REDACTED}` });
  expect(input.nested.list[0]).toBe("tok-12345678");
  const cyclic: Record<string, unknown> = { secret: "tok-12345678" };
  cyclic.self = cyclic;
  const copy = redactDeep(cyclic) as Record<string, unknown>;
  expect(copy.secret).toBe(REDACTED);
  expect(copy.self).toBe(copy);
});

test("redactDeep finds every shape and known value at any depth, and gives back a result with none as it is", () => {
  const { redactDeep } = createRedactor({ SERVICE_TOKEN: "tok-12345678" });
  const secrets = [
    `sk-${"Ab3".repeat(16)}`,
    `ghp_${"a1B2".repeat(9)}`,
    `github_pat_11ABCDEFG0${"k1_L".repeat(20)}`,
    "AKIAIOSFODNN7EXAMPLE",
    "ASIAIOSFODNN7EXAMPLE",
    `AIza${"Sy0_-".repeat(7)}`,
    "xoxb-1234567890-0987654321-AbCdEfGhIjKl",
    `pbt_${"Q".repeat(43)}`,
    `pboa_${"R".repeat(43)}`,
    "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE",
    "AUTHORIZATION: BEARER abc.def",
    "x?patchbay_token=s3cr3t",
    "tok-12345678",
  ];
  for (const secret of secrets) {
    const cyclic: Record<string, unknown> = { list: [1, { deeper: [null, `before ${secret} after`] }] };
    cyclic.again = cyclic;
    const out = JSON.stringify((redactDeep({ wrapper: [cyclic] }) as { wrapper: Array<Record<string, unknown>> }).wrapper[0]!.list);
    expect({ secret, leaked: out.includes(secret.slice(-8)), redacted: out.includes(REDACTED) }).toEqual({ secret, leaked: false, redacted: true });
  }
  const clean = { mode: "worker", tools: ["codex_read_file", "tasks", "sketch", "GitHub"], modes: [{ mode: "full", tool_count: 3 }] };
  expect(redactDeep(clean)).toBe(clean);
});

test("ordinary text and short or non-secret environment values are untouched", () => {
  const { redact: redactEnv } = createRedactor({ KEYBOARD_LAYOUT: "us", TOKENIZERS_PARALLELISM: "false", EDITOR: "vim-editor-long" });
  const text = "the tokenizer and keyboard use sk-learn-compatible-estimators; task-12 us false vim-editor-long ghp_short AKIA123 xoxb-1";
  expect(redactEnv(text)).toBe(text);
});

test("redactToken replaces every occurrence of one known secret", () => {
  expect(redactToken("t=abc; again abc", "abc")).toBe(`t=${REDACTED}; again ${REDACTED}`);
  expect(redactToken("nothing to hide", "")).toBe("nothing to hide");
});
