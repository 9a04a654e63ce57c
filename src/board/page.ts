/**
 * The board's one page: a server-rendered shell (tabs, repository filter, the live panel, the
 * detail pane) with its style and script inline under a per-response nonce. The
 * Content-Security-Policy allows nothing else: no other script or style, no frames, no origin
 * but this server's own for the event stream and the page's fetches, so it works offline.
 */
import { randomBytes } from "node:crypto";
import { BOARD_SCRIPT } from "./client.ts";
import { escapeHtml } from "./markdown.ts";

// Colours keep a contrast of at least 4.5:1 on their backgrounds (WCAG AA).
const STYLE = `
:root{color-scheme:light;font:15px/1.45 system-ui,sans-serif;color:#1d1d1f;background:#fafafa}
body{margin:0}header{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;padding:.6rem 1rem;background:#1f2937;color:#fff}
header h1{font-size:1.1rem;margin:0}header label{display:flex;gap:.4rem;align-items:center}
#live{margin-left:auto;font-size:.85rem;color:#d1d5db}
[role=tablist]{display:flex;gap:.25rem;padding:.5rem 1rem 0;border-bottom:1px solid #d0d0d0}
[role=tab]{border:1px solid #d0d0d0;border-bottom:none;background:#eee;padding:.4rem .9rem;border-radius:6px 6px 0 0;cursor:pointer;font:inherit;color:#1d1d1f}
[role=tab][aria-selected=true]{background:#fff;font-weight:600}
main{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:1rem;padding:1rem}
#panel,#detail{background:#fff;border:1px solid #d0d0d0;border-radius:6px;padding:.8rem;overflow:auto}
#detail[hidden]{display:none}main:has(>#detail[hidden]){grid-template-columns:minmax(0,1fr)}@media (max-width:900px){main{grid-template-columns:1fr}}
table{border-collapse:collapse;width:100%}caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e5e5e5;vertical-align:top}
button{font:inherit;padding:.25rem .7rem;border:1px solid #1d4ed8;background:#fff;color:#1d4ed8;border-radius:4px;cursor:pointer}
button.danger{border-color:#b91c1c;color:#b91c1c}button:disabled{opacity:.5;cursor:default}
:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.actions{display:flex;gap:.5rem;margin:.5rem 0}.empty{color:#555}
pre{background:#f4f4f5;padding:.5rem;overflow:auto;max-height:24rem;white-space:pre-wrap}
.diff .add{background:#dcfce7;color:#14532d}.diff .del{background:#fee2e2;color:#7f1d1d}.diff .hunk{color:#1e3a8a}
.notice{padding:.4rem 1rem;margin:0}.error{color:#b91c1c}.state-failed,.state-timed_out{color:#b91c1c}.state-running{color:#1d4ed8}
.warnings{color:#92400e;margin:0;padding-left:1rem}.files{list-style:none;padding:0}.files li{margin:.2rem 0}form label{display:block;margin-top:.4rem}
input,textarea,select{font:inherit;width:100%;box-sizing:border-box}header select{width:auto}
.vbox{position:relative;max-height:60vh;overflow:auto;border:1px solid #e5e5e5}.vtable{table-layout:fixed}
.vtable td,.vtable th{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;height:2.3rem;box-sizing:border-box;padding:0 .5rem;vertical-align:middle}
.vtable thead th{position:sticky;top:0;background:#fff;z-index:1}.vtable tr.spacer td{padding:0;border:0}
.vtable td button{max-width:100%;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.vtable .warnings,.vtable .warnings li{display:inline;margin:0;padding:0}.vtable .warnings li+li::before{content:"; "}
.filterbar{display:flex;gap:.5rem;align-items:center;margin:.4rem 0}.filterbar input{width:16rem}.count-line{color:#555;font-size:.85rem}
.count{display:inline-block;min-width:1.2rem;margin-left:.3rem;padding:0 .3rem;border-radius:9px;background:#1d4ed8;color:#fff;font-size:.8rem;text-align:center}
`;

const SECURITY_HEADERS = {
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  // Not no-referrer: under it a browser sends `Origin: null` with the page's POSTs, which the Origin guard refuses.
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
};

export function boardPage(csrf: string): Response {
  const nonce = randomBytes(16).toString("base64");
  const tabs = [
    ["team", "Team"],
    ["runs", "Runs"],
    ["messages", "Messages"],
    ["waiting", "Waiting on you"],
    ["usage", "Usage"],
  ]
    .map(
      ([view, label]) =>
        `<button role="tab" id="tab-${view}" data-view="${view}" aria-controls="panel" aria-selected="false" tabindex="-1">${label}` +
        `${view === "waiting" ? '<span class="count" id="waiting-count" aria-label="items">0</span>' : ""}</button>`,
    )
    .join("");
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>patchbay board</title><style nonce="${nonce}">${STYLE}</style></head>
<body data-csrf="${escapeHtml(csrf)}"><header><h1>patchbay board</h1>
<label for="repo">Repository <select id="repo"><option value="">All repositories</option></select></label>
<span id="live" role="status">Connecting…</span></header>
<nav role="tablist" aria-label="Views">${tabs}</nav>
<p id="notice" class="notice" role="status" aria-live="polite"></p>
<main><section id="panel" role="tabpanel" tabindex="0"><p>Loading…</p></section>
<aside id="detail" aria-labelledby="detail-title" hidden></aside></main>
<script nonce="${nonce}">${BOARD_SCRIPT}</script></body></html>`;
  return new Response(html, {
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
      ...SECURITY_HEADERS,
    },
  });
}

/** A JSON answer of the board's API, never cached. */
export function boardJson(value: unknown, status = 200): Response {
  return Response.json(value, { status, headers: SECURITY_HEADERS });
}
