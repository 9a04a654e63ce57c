/**
 * List prices per model, in USD per million tokens, shipped as data: the vendors' published API
 * list prices (standard tier; for Gemini 2.5 Pro, prompts up to 200k tokens). Prices change and
 * new models appear: `[pricing."model-id"]` in config.toml overrides or adds a model, and a model
 * in neither place is reported as "no price", never guessed (an alias such as claude's `sonnet`
 * names no fixed model, so it has no price here).
 *
 * Checked on PRICES_AS_OF against:
 * - Anthropic: https://platform.claude.com/docs/en/about-claude/pricing ("Cache hits and
 *   refreshes" is cached_input): Opus 4.5 to 4.8 and 4.1 in its current version, Sonnet 4.x and
 *   Haiku 4.5 in the version before (Haiku 4.5 again in the Sonnet 5 overview's comparison).
 * - OpenAI: each model's page, https://developers.openai.com/api/docs/models/<model-id>
 *   (gpt-5-codex, gpt-5-mini, gpt-5-nano, gpt-5.1, gpt-5.4-nano; gpt-5's input price from the
 *   comparison those pages show). gpt-4.1 and o3 were not found on OpenAI's pages at this check:
 *   their rows are as read on 2025-11-20 from https://openai.com/api/pricing.
 * - Google: https://ai.google.dev/gemini-api/docs/pricing, through a verbatim transcription of
 *   2026-09-20 (github.com/api-evangelist/gemini, plans/gemini-plans-pricing.yml) that confirms
 *   2.5 Pro's input, 2.5 Flash's input and 2.5 Flash-Lite's output; their other prices are as
 *   read on 2025-11-20.
 * Newer models whose cached-input price was not published where we looked (Gemini 3.x, Claude
 * Opus 5.5, Sonnet 5.5, GPT-5.5) are left out rather than guessed: price them in config.toml.
 */

export interface ModelPrice {
  /** USD per million input tokens that were not read from the cache. */
  input: number;
  /** USD per million input tokens read from the cache. */
  cached_input: number;
  /** USD per million output tokens (reasoning tokens are billed as output). */
  output: number;
}

/**
 * Prompt-cache writes, which only Claude Code reports, are billed at a multiple of the model's
 * input price: 1.25× for the default 5-minute cache, 2× for a 1-hour one (Anthropic's pricing
 * page, https://docs.anthropic.com/en/docs/about-claude/pricing, "5m Cache Writes" and "1h Cache
 * Writes": e.g. Sonnet 4 at $3 input, $3.75 and $6; checked on PRICES_AS_OF).
 */
export const CACHE_WRITE_MULTIPLIER = { fiveMinutes: 1.25, oneHour: 2 } as const;

/** The day the prices below were checked; compare them with the pages above before relying on them. */
export const PRICES_AS_OF = "2026-12-06";

export const PRICES: Readonly<Record<string, ModelPrice>> = {
  // OpenAI (Codex CLI)
  "gpt-5": { input: 1.25, cached_input: 0.125, output: 10 },
  "gpt-5-codex": { input: 1.25, cached_input: 0.125, output: 10 },
  "gpt-5-mini": { input: 0.25, cached_input: 0.025, output: 2 },
  "gpt-5-nano": { input: 0.05, cached_input: 0.005, output: 0.4 },
  "gpt-5.1": { input: 1.25, cached_input: 0.125, output: 10 },
  "gpt-5.4-nano": { input: 0.2, cached_input: 0.02, output: 1.25 },
  "gpt-4.1": { input: 2, cached_input: 0.5, output: 8 },
  o3: { input: 2, cached_input: 0.5, output: 8 },
  // Anthropic (Claude Code reports its own cost; these price a turn that did not, such as one a budget stopped)
  "claude-opus-4-8": { input: 5, cached_input: 0.5, output: 25 },
  "claude-opus-4-7": { input: 5, cached_input: 0.5, output: 25 },
  "claude-opus-4-6": { input: 5, cached_input: 0.5, output: 25 },
  "claude-opus-4-5": { input: 5, cached_input: 0.5, output: 25 },
  "claude-opus-4-1": { input: 15, cached_input: 1.5, output: 75 },
  "claude-sonnet-4-6": { input: 3, cached_input: 0.3, output: 15 },
  "claude-sonnet-4-5": { input: 3, cached_input: 0.3, output: 15 },
  "claude-sonnet-4": { input: 3, cached_input: 0.3, output: 15 },
  "claude-haiku-4-5": { input: 1, cached_input: 0.1, output: 5 },
  // Google (Gemini CLI)
  "gemini-2.5-pro": { input: 1.25, cached_input: 0.125, output: 10 },
  "gemini-2.5-flash": { input: 0.3, cached_input: 0.03, output: 2.5 },
  "gemini-2.5-flash-lite": { input: 0.1, cached_input: 0.01, output: 0.4 },
};
