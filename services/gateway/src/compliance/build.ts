import type { LoadedConfig } from "../../../../runtime/config/load.ts";
import { Compliance } from "../../../../runtime/hooks/compliance.ts";
import { MemoryWindowCounter } from "../../../../runtime/hooks/window-counter.ts";

/**
 * Builds the configured pipelines, or null when the config has none. Throws with the
 * pipeline's name when a setting is invalid, so a bad config stops the boot.
 */
export function buildCompliance(loaded: LoadedConfig): Compliance | null {
  const config = loaded.config.compliance;
  if (config === undefined) return null;
  return new Compliance(config, { counter: new MemoryWindowCounter() });
}
