import Redis from "iovalkey";

/** How long `openValkey` waits for the first reply before it reports the server unreachable. */
const CONNECT_TIMEOUT_MS = 3_000;

/** The client type that the Valkey stores take; Redis 7 servers speak the same protocol. */
export type ValkeyClient = Redis;

/** Returns the URL with its password replaced by `***`, fit for logs and error messages. */
export function maskValkeyUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(invalid URL)";
  }
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
    // Commands fail after a few reconnect attempts instead of queueing without end.
    maxRetriesPerRequest: 3,
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
