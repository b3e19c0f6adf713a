import Redis from "iovalkey";
import { maskServiceUrl } from "../service-url.ts";

/** How long `openValkey` waits for the first reply before it reports the server unreachable. */
const CONNECT_TIMEOUT_MS = 3_000;

/**
 * How long a command may wait for its reply, which bounds a request's wait on a server that
 * stopped replying. Every command Nexus sends is a short key or script operation.
 */
const COMMAND_TIMEOUT_MS = 500;

/** The client type that the Valkey stores take; Redis 7 servers speak the same protocol. */
export type ValkeyClient = Redis;

/**
 * Returns the URL with its password and credential query parameters replaced by `***`, fit for
 * logs and error messages.
 */
export function maskValkeyUrl(url: string): string {
  return maskServiceUrl(url);
}

/**
 * Connects to Valkey (or Redis 7) at `url`, such as `redis://127.0.0.1:6379`, and waits for a
 * PING reply. Fails with an error that names Valkey and the masked URL when the server cannot
 * be reached, so a production config pointing at a dead server fails at boot.
 */
export async function openValkey(url: string): Promise<ValkeyClient> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // While the server is down, a command fails at once rather than waiting in a queue for a
    // reconnect, and one sent to a server that stopped replying fails after the timeout, so a
    // request never waits seconds on a dead Valkey. Reconnects go on in the background.
    enableOfflineQueue: false,
    commandTimeout: COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 1,
    // Commands issued in one event-loop turn go out in one socket write, which matters because
    // every request sends several quota and rate-limit scripts. The offline-queue and timeout
    // rules above still hold per command inside the batch (iovalkey 0.4, autoPipelining.js).
    enableAutoPipelining: true,
    retryStrategy: (times) => Math.min(times * 100, 2_000),
  });
  // Connection errors also reject the pending command; the listener keeps them off stderr.
  client.on("error", () => {});

  try {
    await withTimeout(client.connect().then(() => client.ping()), CONNECT_TIMEOUT_MS);
    return client;
  } catch (error) {
    client.disconnect();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Valkey at ${maskValkeyUrl(url)} is unreachable: ${reason}`, {
      cause: error,
    });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no reply within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
