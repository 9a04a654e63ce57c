/**
 * List prices per model, in USD per million tokens, shipped as data: the vendors' published API
 * list prices (standard tier; for Gemini 2.5 Pro, prompts up to 200k tokens) as they stood on
 * PRICES_AS_OF, from https://openai.com/api/pricing, https://www.anthropic.com/pricing#api and
 * https://ai.google.dev/gemini-api/docs/pricing. Prices change and new models appear:
 * `[pricing."model-id"]` in config.toml overrides or adds a model, and a model in neither place
 * is reported as "no price", never guessed (an alias such as claude's `sonnet` names no fixed
 * model, so it has no price here).
 */

export interface ModelPrice {
  /** USD per million input tokens that were not read from the cache. */
  input: number;
  /** USD per million input tokens read from the cache. */
  cached_input: number;
  /** USD per million output tokens (reasoning tokens are billed as output). */
  output: number;
}

/** The day the prices below stood at; compare them with the pages above before relying on them. */
export const PRICES_AS_OF = "2025-11-20";

export const PRICES: Readonly<Record<string, ModelPrice>> = {
  // OpenAI (Codex CLI)
  "gpt-5": { input: 1.25, cached_input: 0.125, output: 10 },
  "gpt-5-codex": { input: 1.25, cached_input: 0.125, output: 10 },
  "gpt-5-mini": { input: 0.25, cached_input: 0.025, output: 2 },
  "gpt-5-nano": { input: 0.05, cached_input: 0.005, output: 0.4 },
  "gpt-4.1": { input: 2, cached_input: 0.5, output: 8 },
  o3: { input: 2, cached_input: 0.5, output: 8 },
  // Anthropic (Claude Code reports its own cost; these price a turn that did not)
  "claude-opus-4-1": { input: 15, cached_input: 1.5, output: 75 },
  "claude-sonnet-4-5": { input: 3, cached_input: 0.3, output: 15 },
  "claude-sonnet-4": { input: 3, cached_input: 0.3, output: 15 },
  "claude-haiku-4-5": { input: 1, cached_input: 0.1, output: 5 },
  // Google (Gemini CLI)
  "gemini-2.5-pro": { input: 1.25, cached_input: 0.125, output: 10 },
  "gemini-2.5-flash": { input: 0.3, cached_input: 0.03, output: 2.5 },
  "gemini-2.5-flash-lite": { input: 0.1, cached_input: 0.01, output: 0.4 },
};
