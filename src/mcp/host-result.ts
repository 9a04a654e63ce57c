/**
 * The hosts whose model reads a tool result's `structuredContent` in place of its text, by the
 * `clientInfo.name` they open a session with. Seen with the pinned CLIs against fake model APIs
 * (tests/connect/host-results.test.ts): Codex CLI and Claude Code put the JSON of
 * `structuredContent` into the model's context whenever a result has it, and the text otherwise;
 * Gemini CLI always puts the text.
 */
const MODEL_READS_STRUCTURED: ReadonlySet<string> = new Set(["codex-mcp-client", "claude-code"]);

/**
 * A result of a tool whose text carries all a model needs (ToolDeclaration.textCarriesAll), as the
 * session's host should get it. patchbay writes each result's text for the model and its
 * structured part for programs (ChatGPT's widget, scripts on the SDK), and lists no output
 * schema, so the structured part is optional (MCP 2025-06-18, structured content). A host that
 * would show its model the structured part instead of the text gets the text alone: what patchbay
 * wrote for the model, and shorter (a repository tree in about half the characters, a file
 * without its lines escaped into JSON). Other tools' texts leave out what a model seldom needs (a
 * job's events with their times, a worker's timestamps), so those hosts keep reading their
 * structured part.
 */
export function resultForHost<R extends { structuredContent?: unknown }>(result: R, clientName: string | undefined): R {
  if (clientName === undefined || !MODEL_READS_STRUCTURED.has(clientName) || result.structuredContent === undefined) return result;
  const { structuredContent: _forPrograms, ...forTheModel } = result;
  return forTheModel as R;
}
