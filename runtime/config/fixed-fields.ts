import type { LoadedConfig } from "./load.ts";
import { sharedPart } from "./node-local.ts";

/**
 * Lists the shared restart-only fields that differ between the running config and `next`:
 * the storage services, the key secret's variable and the SIEM sinks, because a node opens all
 * of them once at boot. Node-local fields (NODE_LOCAL_FIELDS) are left out of the comparison,
 * because a pushed document never changes them.
 */
export function changedFixedFields(running: LoadedConfig, next: LoadedConfig): string[] {
  const before = sharedPart(running.config);
  const after = sharedPart(next.config);
  const fields = ["storage", "keySecretEnv", "siem"];
  return fields.filter((field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]));
}
