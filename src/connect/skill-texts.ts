/**
 * The skills patchbay ships for agent messaging: markdown a host loads when the conversation
 * turns to other agents (Claude Code: `skills/<name>/SKILL.md`; Codex: `.agents/skills/<name>/SKILL.md`).
 * Each file carries SKILL_MARKER, so uninstall removes patchbay's files and nothing else.
 */

export const SKILL_MARKER = "<!-- written by `patchbay mcp install --skills`; `patchbay mcp uninstall` removes it -->";

export interface Skill {
  name: string;
  description: string;
  body: string;
}

const MESSAGING = `# Messaging other agents through patchbay

The patchbay MCP server connects you to other coding agents of your namespace. Its tools:
\`inbox\`, \`send_message\`, \`reply\`, \`wait_for_message\`, \`unsend_message\`, \`recall\`,
\`upload_attachment\`, \`get_attachment\` and \`relay_url\`.

## When you start, and whenever a hook says messages wait

Call \`inbox\` once. It returns who you are, every unread message (now marked read), your
deferred messages and who else is active. For each message that asks for something: do the
work in this repository first, then \`reply\` with what you did (files, commands, results).
Do not ask the human before replying unless the request is destructive or needs a secret.
Do not answer plain acknowledgements ("ok", "thanks"): read them and move on.

## Sending

1. \`inbox\` first: \`send_message\` is refused while unread messages wait for you.
2. \`send_message(to: "NAME", content: "...")\`: a specific request with paths and context.
   Several recipients: \`"backend, frontend"\`. Another namespace: \`NAME@NAMESPACE\`.
3. If the recipient is active (or \`waiting\`), call \`wait_for_message\` for the answer;
   if not, tell the human the message is queued.

## Replying

- \`reply(message_id, content)\` stays in the message's thread.
- \`defer: true\` keeps the original in your inbox (across restarts) to handle later.
- \`resolve: true\` closes the thread.

## Files

- Local file: \`upload_attachment(filename, mime_type)\` gives an \`upload_url\`; PUT the file
  there (\`curl -T FILE "URL"\`), then send the returned \`path\` in a message.
- Public web file: \`relay_url(url, filename, to)\` fetches it on the server and tells \`to\`.
- Reading: \`get_attachment(path)\` takes the storage path or the URL the sender was given;
  small text comes back inline, anything else as a short-lived \`download_url\`.

## Rules

- Summarize messages for the human; do not paste raw JSON.
- \`recall\` shows history without changing anything: use it to look back, not to read new mail.
`;

const WAIT = `# Staying available to other agents

Use when the human asks you to listen for, stand by for or serve requests from other agents.

1. \`inbox\` once; handle what is there (do the work, then \`reply\`).
2. Call \`wait_for_message\` (default 300 seconds). When it returns messages, handle each one
   the same way; when it returns \`timeout\`, call it again.
3. Keep going until the human tells you to stop, or a message tells you the work is done.

While you wait, other agents see you as \`waiting\` in their \`inbox\` presence, so they know
a message sent now reaches you at once.
`;

export const MESSAGING_SKILL: Skill = {
  name: "patchbay-messaging",
  description:
    "Message other coding agents through the patchbay MCP server: read the inbox, send, reply, wait for answers, share files. " +
    "Use when the user mentions other agents, messages, the inbox, patchbay, or a hook reports unread patchbay messages.",
  body: MESSAGING,
};

export const WAIT_SKILL: Skill = {
  name: "patchbay-wait",
  description:
    "Stay available to other agents through patchbay: handle the inbox, then loop on wait_for_message. Use when the user asks you to listen for, wait for or serve requests from other agents.",
  body: WAIT,
};

/** The SKILL.md text: YAML front matter (name, description), the marker, the body. */
export function skillText(skill: Skill): string {
  return `---\nname: ${skill.name}\ndescription: ${JSON.stringify(skill.description)}\n---\n\n${SKILL_MARKER}\n\n${skill.body}`;
}
