/**
 * The operator's pages: log in with the operator token, then choose what a client gets. No script
 * and no external asset: the Content-Security-Policy allows only the page's own style (by nonce)
 * and forms posted to this server (plus, after consent, the client's redirect origin, which
 * browsers also check the form's redirect against). Every value shown is HTML-escaped.
 */
import { randomBytes } from "node:crypto";
import type { Power, ToolModeName } from "./access.ts";
import { PATHS } from "./metadata.ts";

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const STYLE =
  "body{font:15px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#222}" +
  "fieldset{border:1px solid #ccc;border-radius:6px;margin:1rem 0}label{display:block;margin:.3rem 0}" +
  ".error{color:#a00}code{background:#f3f3f3;padding:0 .2rem}button{margin-right:.5rem;padding:.4rem 1rem}";

function page(title: string, body: string, formTargets: string[] = [], status = 200): Response {
  const nonce = randomBytes(16).toString("base64");
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(title)} · patchbay</title><style nonce="${nonce}">${STYLE}</style></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
  return new Response(html, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": `default-src 'none'; style-src 'nonce-${nonce}'; form-action 'self' ${formTargets.join(" ")}; frame-ancestors 'none'; base-uri 'none'`,
      "x-frame-options": "DENY",
      "x-content-type-options": "nosniff",
      // Not no-referrer: under it a browser posts a form with `Origin: null`, which the Origin guard refuses.
      "referrer-policy": "same-origin",
      "cache-control": "no-store",
    },
  });
}

/** The CSP source that lets the consent form's redirect reach the client: its origin, or its scheme for an app's own scheme. */
function redirectSource(uri: string): string {
  const url = new URL(uri);
  return url.protocol === "http:" || url.protocol === "https:" ? url.origin : url.protocol;
}

const hidden = (name: string, value: string) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;

/** Why the login form is shown, and where it posts: OAuth's consent (`consentLogin`), or the board's own. */
export interface LoginTarget {
  action: string;
  why: string;
  /** What the login is for, after "Log in with the operator token". */
  forWhat?: string;
}

/** The consent's login, posting under the issuer's path prefix (`prefix`, "" at the root). */
export const consentLogin = (prefix: string): LoginTarget => ({
  action: `${prefix}${PATHS.login}`,
  why: "A client asked to connect to this patchbay server",
  forWhat: " to decide what it gets",
});

/** The login form; `authorize` is the authorization request to return to afterwards. */
export function loginPage(authorize: string, error: string | undefined, target: LoginTarget): Response {
  const forWhat = target.forWhat ?? "";
  const body = `${error ? `<p class="error">${escapeHtml(error)}</p>` : ""}
<p>${escapeHtml(target.why)}. Log in with the operator token (the value of <code>auth.token_env</code>, shown by <code>patchbay start</code>)${forWhat}.</p>
<form method="post" action="${escapeHtml(target.action)}">${hidden("authorize", authorize)}
<label>Operator token <input type="password" name="token" autocomplete="current-password" required></label>
<button type="submit">Log in</button></form>`;
  return page("Log in to patchbay", body, [], error ? 401 : 200);
}

export interface ConsentView {
  clientName: string;
  clientId: string;
  redirectUri: string;
  agents: string[];
  modes: readonly ToolModeName[];
  defaultMode: ToolModeName;
  /** The power switches the running server has on: only these can be granted. */
  power: Power;
  /** The authorization request's parameters, posted back with the decision. */
  request: URLSearchParams;
  csrf: string;
  /** The issuer's path prefix, "" at the root: the form posts under it. */
  prefix: string;
}

function operatorChoice(view: ConsentView): string {
  const modes = view.modes.map((mode) => `<option value="${mode}"${mode === view.defaultMode ? " selected" : ""}>${mode}</option>`).join("");
  const switches = [
    view.power.directWrite && `<label><input type="checkbox" name="direct_write" value="on"> direct writes to the base checkout</label>`,
    view.power.bashMode !== "off" && `<label><input type="checkbox" name="bash" value="${view.power.bashMode}"> bash (${view.power.bashMode})</label>`,
    view.power.codexSessionRead && `<label><input type="checkbox" name="session_read" value="on"> read agent session transcripts</label>`,
  ].filter(Boolean);
  return `<label><input type="radio" name="identity" value="operator"> <strong>the operator</strong>: workspace, job, worker and pipeline tools</label>
<label>starting tool mode <select name="mode">${modes}</select></label>
${switches.length ? `<p>Power tools this server has on (unticked ones stay off for this client):</p>${switches.join("")}` : "<p>This server has no power tools on; the client gets none.</p>"}`;
}

export function consentPage(view: ConsentView): Response {
  const agents = view.agents.length
    ? view.agents
        .map(
          (agent) =>
            `<label><input type="radio" name="identity" value="agent:${escapeHtml(agent)}"> agent <strong>${escapeHtml(agent)}</strong>: messaging tools only, as this agent</label>`,
        )
        .join("")
    : "<p>No agents yet: create one with <code>patchbay token add NAME</code>, then reload.</p>";
  const params = [...view.request].map(([name, value]) => hidden(name, value)).join("");
  const body = `<p><strong>${escapeHtml(view.clientName)}</strong> (<code>${escapeHtml(view.clientId)}</code>) asks to use this patchbay server.
After your answer the browser returns to <code>${escapeHtml(view.redirectUri)}</code>.</p>
<form method="post" action="${escapeHtml(view.prefix)}${PATHS.consent}">${params}${hidden("csrf", view.csrf)}
<fieldset><legend>Act as one agent</legend>${agents}</fieldset>
<fieldset><legend>Or act as the operator</legend>${operatorChoice(view)}</fieldset>
<button type="submit" name="decision" value="approve">Approve</button><button type="submit" name="decision" value="deny">Deny</button></form>`;
  return page("Connect a client", body, [redirectSource(view.redirectUri)]);
}

export function errorPage(title: string, message: string, status = 400): Response {
  return page(title, `<p class="error">${escapeHtml(message)}</p>`, [], status);
}
