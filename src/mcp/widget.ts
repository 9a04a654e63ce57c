/**
 * The passive tool card hosts render for every patchbay tool result (MCP Apps, and ChatGPT's
 * Apps SDK). Passive on purpose: it only renders the result it is given and calls no tools, so
 * showing it can never act on the user's behalf; it loads nothing, so its CSP allows no origin.
 */
import { WIDGET_CSS } from "./widget/css.ts";
import { WIDGET_SCRIPT } from "./widget/script.ts";

export const WIDGET_URI = "ui://widget/patchbay-tool-card-v2.html";
/** The first card's URI: hosts that cached a tool list from an older server may still ask for it. */
export const WIDGET_URI_V1 = "ui://widget/patchbay-tool-card-v1.html";
export const WIDGET_URIS: readonly string[] = [WIDGET_URI, WIDGET_URI_V1];
export const WIDGET_MIME_TYPE = "text/html;profile=mcp-app";

// The page's own CSP repeats the resource's: inline style and script only, no fetches, no images.
export const WIDGET_HTML = `<!doctype html>
<html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>patchbay</title>
<style>${WIDGET_CSS}</style></head>
<body><div id="root"></div>
<script>${WIDGET_SCRIPT}</script></body></html>`;

export interface WidgetResource {
  uri: string;
  name: string;
  title: string;
  description: string;
  mimeType: string;
  text: string;
  _meta: Record<string, unknown>;
}

export function widgetResource(widgetDomain: string, uri: string = WIDGET_URI): WidgetResource {
  return {
    uri,
    name: uri === WIDGET_URI ? "patchbay tool card" : "patchbay tool card (v1 URI)",
    title: "patchbay tool card",
    description: "A passive card that shows a patchbay tool result: worker and team reports, jobs, diffs, artifacts, commands and errors.",
    mimeType: WIDGET_MIME_TYPE,
    text: WIDGET_HTML,
    _meta: {
      ui: {
        csp: { connectDomains: [], resourceDomains: [] },
        prefersBorder: true,
      },
      "openai/widgetDomain": widgetDomain,
      "openai/widgetCSP": { connect_domains: [], resource_domains: [] },
      "openai/widgetPrefersBorder": true,
      "openai/widgetDescription": "Shows the result of the patchbay tool call.",
    },
  };
}
