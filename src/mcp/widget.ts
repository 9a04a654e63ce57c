/** The passive tool card ChatGPT (MCP Apps) renders for every patchbay tool result. */
export const WIDGET_URI = "ui://widget/patchbay-tool-card-v2.html";
export const WIDGET_MIME_TYPE = "text/html;profile=mcp-app";

// Passive on purpose: it only renders the structured result it is given and calls no tools, so
// showing it can never act on the user's behalf.
const WIDGET_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>patchbay</title>
<style>
body{font:13px/1.45 system-ui,sans-serif;margin:0;padding:10px;color:#1d1d1f}
.card{border:1px solid #d0d0d5;border-radius:10px;padding:10px 12px}
h1{font-size:13px;margin:0 0 6px}
pre{margin:0;white-space:pre-wrap;word-break:break-word;max-height:320px;overflow:auto;font:12px ui-monospace,monospace}
</style></head>
<body><div class="card"><h1 id="title">patchbay</h1><pre id="body">Waiting for a result…</pre></div>
<script>
function render(){var o=(window.openai&&window.openai.toolOutput)||null;if(!o)return;
document.getElementById("body").textContent=JSON.stringify(o,null,2);}
window.addEventListener("openai:set_globals",render);render();
</script></body></html>`;

export function widgetResource(widgetDomain: string) {
  return {
    uri: WIDGET_URI,
    name: "patchbay tool card",
    mimeType: WIDGET_MIME_TYPE,
    text: WIDGET_HTML,
    _meta: {
      "openai/widgetDomain": widgetDomain,
      "openai/widgetCSP": { connect_domains: [], resource_domains: [] },
      "openai/widgetPrefersBorder": true,
    },
  };
}
