import { type LoadedConfig, validateConfig } from "./load.ts";
import type { NexusConfig } from "./schema.ts";

/**
 * Settings that each node keeps from its own config file, because two nodes on one machine
 * (or nodes with different roles in a fleet) must differ in them. A document pushed with
 * `nexus config push` never changes them: every other field is shared by all nodes.
 */
export const NODE_LOCAL_FIELDS = [
  "server.host",
  "server.port",
  "dataDir",
  "simulator",
  "storage.nats.writer",
  "storage.nats.spillMaxBytes",
] as const;

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
    if (pushedValue !== undefined && !sameValue(pushedValue, nodeValue)) ignored.push(field);
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

/** Sets the value at `path`, creating parents; `undefined` deletes it and creates nothing. */
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

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
