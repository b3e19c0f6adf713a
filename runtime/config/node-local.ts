import { type LoadedConfig, validateConfig } from "./load.ts";
import type { NexusConfig } from "./schema.ts";

/**
 * Settings that each node keeps from its own config file. A document pushed with
 * `nexus config push` never changes them, and every other field is shared by all nodes.
 * The listening address, data folder and simulator must differ between two nodes on one
 * machine. `storage`, `keySecretEnv` and `siem` are read before the node can open the store
 * that contains pushed documents (the SIEM sinks are built before PostgreSQL is open), so they
 * can only come from the node's own file.
 */
export const NODE_LOCAL_FIELDS = [
  "server.host",
  "server.port",
  "dataDir",
  "simulator",
  "storage",
  "keySecretEnv",
  "siem",
] as const;

/**
 * Values a node uses when its file leaves a node-local field out. A document that sets a field
 * to its default is then not reported as differing from a node that omits it. The
 * `keySecretEnv` default must match DEFAULT_KEY_SECRET_ENV in the gateway's key-secret.ts.
 */
const NODE_LOCAL_DEFAULTS: Record<string, unknown> = {
  keySecretEnv: "NEXUS_KEY_SECRET",
};

/** A pushed config with the node's own node-local values in place of the pushed ones. */
export interface NodeConfig {
  loaded: LoadedConfig;
  /** Node-local fields that the pushed document sets to a value other than the node's own. */
  ignored: string[];
}

/**
 * Replaces every node-local field of `pushed` with the value in `node` (removing it when the
 * node's file leaves it out). The result is validated again and anchored at the node's path,
 * so a relative `dataDir` resolves as the node's own file resolves it.
 */
export function keepNodeLocal(pushed: LoadedConfig, node: LoadedConfig): NodeConfig {
  const merged = structuredClone(pushed.config) as Record<string, unknown>;
  const ignored: string[] = [];

  for (const field of NODE_LOCAL_FIELDS) {
    const path = field.split(".");
    const pushedValue = readPath(pushed.config, path);
    const nodeValue = readPath(node.config, path);
    if (pushedValue !== undefined && !sameEffectiveValue(field, pushedValue, nodeValue)) {
      ignored.push(field);
    }
    writePath(merged, path, nodeValue);
  }

  return { loaded: validateConfig(merged, node.path), ignored };
}

/** Lists the node-local fields that a parsed document (valid or not) sets. */
export function nodeLocalFieldsSet(raw: unknown): string[] {
  return NODE_LOCAL_FIELDS.filter((field) => readPath(raw, field.split(".")) !== undefined);
}

/** Returns a copy of `config` without its node-local fields, the part all nodes share. */
export function sharedPart(config: NexusConfig): Record<string, unknown> {
  const shared = structuredClone(config) as Record<string, unknown>;
  for (const field of NODE_LOCAL_FIELDS) writePath(shared, field.split("."), undefined);
  return shared;
}

function readPath(value: unknown, path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

/** Sets the value at `path`, creating parents. `undefined` deletes it and creates nothing. */
function writePath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let parent = target;
  for (const key of path.slice(0, -1)) {
    const child = parent[key];
    if (!isRecord(child)) {
      if (value === undefined) return;
      parent[key] = {};
    }
    parent = parent[key] as Record<string, unknown>;
  }

  const last = path[path.length - 1]!;
  if (value === undefined) delete parent[last];
  else parent[last] = structuredClone(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Compares two values of `field` with its default in place of an omitted value. */
function sameEffectiveValue(field: string, a: unknown, b: unknown): boolean {
  const fallback = NODE_LOCAL_DEFAULTS[field];
  // Key order differs between files that mean the same, so compare deeply, not as JSON text.
  return Bun.deepEquals(a ?? fallback, b ?? fallback);
}
