import type { LoadedConfig } from "./load.ts";

/**
 * Lists the restart-only fields that differ between the running config and `next`. These are
 * the listening address, the data folder, the storage services, the key secret's variable and
 * the SIEM sinks, because a node opens all of them once at boot.
 */
export function changedFixedFields(running: LoadedConfig, next: LoadedConfig): string[] {
  const before = running.config;
  const after = next.config;
  const pairs: [string, unknown, unknown][] = [
    ["server.host", before.server?.host, after.server?.host],
    ["server.port", before.server?.port, after.server?.port],
    ["dataDir", running.dataDir, next.dataDir],
    ["storage", before.storage, after.storage],
    ["keySecretEnv", before.keySecretEnv, after.keySecretEnv],
    ["siem", before.siem, after.siem],
  ];
  return pairs
    .filter(([, a, b]) => JSON.stringify(a) !== JSON.stringify(b))
    .map(([field]) => field);
}
