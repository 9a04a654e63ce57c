/**
 * The cost of a turn the agent did not price itself: `[pricing."model-id"]` from config.toml,
 * else the shipped table (prices.ts), else no price at all.
 */
import type { Config } from "../config/index.ts";
import { CACHE_WRITE_MULTIPLIER, type ModelPrice, PRICES } from "./prices.ts";

type Tokens = {
  /** Every input token: cache reads and writes included. */
  input_tokens: number;
  cached_input_tokens: number;
  cache_write_tokens: number;
  /** The part of cache_write_tokens cached for an hour. */
  cache_write_1h_tokens?: number;
  output_tokens: number;
};
export type Priced = { cost_usd: number; cost_source: "config" | "price_table" } | { cost_source: "none" };

/** The price of a model and where it comes from, or undefined when neither config nor the table has it. */
export function priceOf(model: string | undefined, config: Config): { price: ModelPrice; source: "config" | "price_table" } | undefined {
  if (!model) return undefined;
  const configured = config.pricing[model];
  if (configured)
    return { price: { input: configured.input, output: configured.output, cached_input: configured.cached_input ?? configured.input }, source: "config" };
  const listed = Object.hasOwn(PRICES, model) ? PRICES[model] : undefined;
  return listed && { price: listed, source: "price_table" };
}

export function costOf(model: string | undefined, tokens: Tokens, config: Config): Priced {
  const found = priceOf(model, config);
  if (!found) return { cost_source: "none" };
  const { price } = found;
  const cached = Math.min(tokens.cached_input_tokens, tokens.input_tokens);
  const written = Math.min(tokens.cache_write_tokens, tokens.input_tokens - cached);
  const writtenForAnHour = Math.min(tokens.cache_write_1h_tokens ?? 0, written);
  const writes = (written - writtenForAnHour) * CACHE_WRITE_MULTIPLIER.fiveMinutes + writtenForAnHour * CACHE_WRITE_MULTIPLIER.oneHour;
  const input = (tokens.input_tokens - cached - written + writes) * price.input + cached * price.cached_input;
  const usd = (input + tokens.output_tokens * price.output) / 1_000_000;
  // A nano-dollar is precise enough, and keeps 0.1 + 0.2 from printing as 0.30000000000000004.
  return { cost_usd: Math.round(usd * 1e9) / 1e9, cost_source: found.source };
}
