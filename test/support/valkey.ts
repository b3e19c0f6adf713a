import { openValkey, type ValkeyClient } from "../../runtime/storage/valkey/open-valkey.ts";

/** The Redis 7 or Valkey server that backend tests use; always on this machine. */
export const TEST_VALKEY_URL = process.env.NEXUS_TEST_VALKEY_URL ?? "redis://127.0.0.1:6379";

/** A test's connections and the random key prefix that all of its keys start with. */
export interface ValkeyTestContext {
  prefix: string;
  /** Opens another connection, as a second gateway node would; `close` ends it too. */
  connect(): Promise<ValkeyClient>;
  client: ValkeyClient;
  /** Deletes every key under the prefix and closes every connection. */
  close(): Promise<void>;
}

/**
 * Connects to the test server with a fresh key prefix. Returns null when the server is down,
 * so a developer without one skips these tests. Under CI a missing server is a failure.
 */
export async function openValkeyForTest(): Promise<ValkeyTestContext | null> {
  let client: ValkeyClient;
  try {
    client = await openValkey(TEST_VALKEY_URL);
  } catch (error) {
    if (process.env.CI === "true") throw error;
    return null;
  }

  const prefix = `nexus-test:${crypto.randomUUID()}:`;
  const clients = [client];
  return {
    prefix,
    client,
    async connect() {
      const extra = await openValkey(TEST_VALKEY_URL);
      clients.push(extra);
      return extra;
    },
    async close() {
      await deleteKeys(client, prefix);
      for (const each of clients) each.disconnect();
    },
  };
}

/** Deletes the keys that start with `prefix`, found with SCAN so the server never blocks. */
export async function deleteKeys(client: ValkeyClient, prefix: string): Promise<void> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", pattern, "COUNT", 500);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== "0");
}

/** Counts the keys that start with `prefix`. */
export async function countKeys(client: ValkeyClient, prefix: string): Promise<number> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
  let cursor = "0";
  let count = 0;
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", pattern, "COUNT", 500);
    count += keys.length;
    cursor = next;
  } while (cursor !== "0");
  return count;
}

/**
 * Returns the Valkey cluster slot of a key: CRC16 (XMODEM) of its hash tag, the text between
 * the first `{` and the next `}` when that is not empty, else of the whole key, modulo 16384.
 */
export function clusterSlot(key: string): number {
  const open = key.indexOf("{");
  const close = open < 0 ? -1 : key.indexOf("}", open + 1);
  const hashed = close > open + 1 ? key.slice(open + 1, close) : key;
  let crc = 0;
  for (const byte of new TextEncoder().encode(hashed)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit += 1) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc % 16384;
}

/**
 * Records the keys of every script call (EVALSHA and EVAL) the client sends from now on, one
 * list per call, so a test can check which slots one script touches.
 */
export function recordScriptKeys(client: ValkeyClient): string[][] {
  const calls: string[][] = [];
  for (const name of ["evalsha", "eval"] as const) {
    const original = client[name].bind(client) as (...args: unknown[]) => Promise<unknown>;
    const spy = (script: string, count: number, ...rest: unknown[]) => {
      calls.push(rest.slice(0, count).map(String));
      return original(script, count, ...rest);
    };
    Object.defineProperty(client, name, { value: spy, configurable: true });
  }
  return calls;
}
