import type * as pipeline from "../../pipeline/index.ts";

/** A run event after its phase, as `patchbay events` and a remote run's progress print it: action, provider and model, duration, detail. */
export function eventText(event: pipeline.RunEvent): string {
  const provider = event.provider ? ` [${event.provider}${event.model ? ` ${event.model}` : ""}]` : "";
  const duration = event.duration_ms !== undefined ? ` ${event.duration_ms} ms` : "";
  return `${event.action}${provider}${duration}${event.detail ? `: ${event.detail}` : ""}`;
}
