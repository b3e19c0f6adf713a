import { connect, type NatsConnection } from "@nats-io/transport-node";

/** NATS did not accept a connection at boot. */
export class NatsUnreachableError extends Error {
  override readonly name = "NatsUnreachableError";
  readonly code = "nats_unreachable";
}

export interface OpenNatsOptions {
  /** Time to wait for the first connection, in ms. */
  timeoutMs?: number;
  /** Connection name shown by the server's monitoring (`nats server report connections`). */
  name?: string;
}

/**
 * Connects to NATS at `url` (e.g. `nats://127.0.0.1:4222`). After the first connection the
 * client reconnects on its own without limit, because a gateway must outlive a NATS restart.
 * Fails with `NatsUnreachableError`, naming the URL, when the first connection fails.
 */
export async function openNats(url: string, options: OpenNatsOptions = {}):
  Promise<NatsConnection> {
  try {
    return await connect({
      servers: url,
      name: options.name ?? "nexus",
      timeout: options.timeoutMs ?? 5000,
      maxReconnectAttempts: -1,
    });
  } catch (error) {
    throw new NatsUnreachableError(
      `cannot connect to NATS at ${url}: ${(error as Error).message}. Start NATS with ` +
        "JetStream enabled (nats-server -js) or fix the NATS URL in the config.",
      { cause: error },
    );
  }
}
