/**
 * A consent whose client was dropped while the operator chose (another registration made room
 * past oauth.max_clients): the operator is told, and no code is issued for a client nobody keeps.
 * In process, on a real store: the agents list the consent page reads is where the other request
 * runs, the one moment between the consent's check and its save.
 */
import { afterAll, expect, test } from "bun:test";
import { consent } from "../../src/oauth/authorize.ts";
import { LOGIN_COOKIE } from "../../src/oauth/forms.ts";
import { csrfFor } from "../../src/oauth/operator-login.ts";
import { hashSecret } from "../../src/oauth/secrets.ts";
import { type ClientData, createOAuthStore } from "../../src/oauth/store.ts";
import { createRecordStore } from "../../src/state/index.ts";
import { removeTempDirs, tempDir } from "../support/patchbay.ts";
import { pkcePair, REDIRECT_URI } from "./support.ts";

afterAll(removeTempDirs);

const ISSUER = "http://127.0.0.1:8787";
const OPERATOR = "pbop_consent-race-operator-token";
const client = (id: string): ClientData => ({
  client_id: id,
  client_name: id,
  redirect_uris: [REDIRECT_URI],
  token_endpoint_auth_method: "none",
  source: "registration",
  client_id_issued_at: Math.floor(Date.now() / 1000),
});

test("a consent for a client dropped since its check, with oauth.max_clients reached, shows Too many clients and issues no code", async () => {
  const records = await createRecordStore({ home: tempDir(), driver: "fs" });
  const store = createOAuthStore(records, { accessSeconds: 3600, refreshSeconds: 3600, codeSeconds: 60, loginSeconds: 3600 }, { max: 1, unusedSeconds: 600 });
  try {
    expect(await store.saveClient(client("pbclient_first"))).toBe(true);
    const cookie = await store.login(OPERATOR);
    const context = {
      store,
      issuer: ISSUER,
      operatorToken: OPERATOR,
      allowPrivateDocuments: false,
      loginSeconds: 3600,
      power: { directWrite: false, bashMode: "off" as const, codexSessionRead: false },
      defaultMode: "full" as const,
      // Meanwhile: the first client's record goes (as a registration's sweep removes one) and another takes the one place.
      async agents() {
        await records.remove("oauth_client", hashSecret("client:pbclient_first"));
        expect(await store.saveClient(client("pbclient_second"))).toBe(true);
        return ["alice@team"];
      },
    };
    const form = new URLSearchParams({
      response_type: "code",
      client_id: "pbclient_first",
      redirect_uri: REDIRECT_URI,
      code_challenge: pkcePair().challenge,
      code_challenge_method: "S256",
      state: "s1",
      csrf: csrfFor(cookie),
      decision: "approve",
      identity: "agent:alice@team",
    });
    const answer = await consent(
      new Request(`${ISSUER}/oauth/consent`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: ISSUER, cookie: `${LOGIN_COOKIE}=${cookie}` },
        body: form,
      }),
      context,
    );
    expect(answer.status).toBe(503);
    expect(answer.headers.get("location")).toBeNull();
    expect(await answer.text()).toContain("oauth.max_clients");
    expect((await store.clients()).map((view) => view.client.client_id)).toEqual(["pbclient_second"]);
    expect((await records.list("oauth_secret")).map((record) => (record.data as { kind: string }).kind)).toEqual(["login"]);
  } finally {
    await records.close();
  }
});
