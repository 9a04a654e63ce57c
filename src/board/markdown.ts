/**
 * PLAN.md as the board shows it: markdown rendered on the server with `marked`, made inert
 * because an agent (untrusted) wrote it. Raw HTML in the source is shown as text, images as
 * their alt text (the page loads nothing an agent names), and links keep only http(s) targets
 * and open with rel="noopener noreferrer"; anything else is its text alone.
 */
import { Marked, type Tokens } from "marked";

/** Text as HTML that shows it (also the page shell's, page.ts). */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

function safeHref(href: string): string | undefined {
  try {
    const url = new URL(href);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : undefined;
  } catch {
    return undefined;
  }
}

const marked = new Marked({
  gfm: true,
  async: false,
  renderer: {
    html: ({ text }) => escapeHtml(text),
    image: ({ text }) => escapeHtml(text),
    link(this: { parser: { parseInline(tokens: Tokens.Link["tokens"]): string } }, { href, title, tokens }: Tokens.Link) {
      const label = this.parser.parseInline(tokens);
      const target = safeHref(href);
      if (!target) return label;
      const titled = title ? ` title="${escapeHtml(title)}"` : "";
      return `<a href="${escapeHtml(target)}"${titled} rel="noopener noreferrer" target="_blank">${label}</a>`;
    },
  },
});

/** `source` as inert HTML: elements for its markdown, text for everything else. */
export function renderPlan(source: string): string {
  return marked.parse(source, { async: false }) as string;
}
