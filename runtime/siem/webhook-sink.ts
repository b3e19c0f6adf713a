import { createHmac } from "node:crypto";
import type { WebhookSinkConfig } from "./config-schema.ts";
import { describeUrl, postBatch } from "./http-post.ts";
import type { SiemRecord } from "./record.ts";
import type { Sink } from "./sink.ts";

/**
 * Sends each batch as a JSON array in one POST. With an HMAC key, the request carries the Unix
 * time in seconds and `sha256=<hex>`, the HMAC-SHA256 of `<timestamp>.<body>`. The signed time
 * lets the receiver reject a replayed request by its age.
 */
export class WebhookSink implements Sink {
  readonly target: string;
  readonly #config: WebhookSinkConfig;
  readonly #url: URL;
  readonly #hmacKey: string | null;

  constructor(config: WebhookSinkConfig, hmacKey: string | null) {
    this.#config = config;
    this.#url = new URL(config.url);
    this.#hmacKey = hmacKey;
    this.target = describeUrl(this.#url);
  }

  async send(records: readonly SiemRecord[], signal: AbortSignal): Promise<void> {
    const body = JSON.stringify(records);
    const headers: Record<string, string> = {
      ...this.#config.headers,
      "content-type": "application/json",
    };
    if (this.#hmacKey !== null) {
      const timestamp = String(Math.floor(Date.now() / 1000));
      headers[this.#config.timestampHeader ?? "x-nexus-timestamp"] = timestamp;
      headers[this.#config.signatureHeader ?? "x-nexus-signature"] =
        `sha256=${signBody(this.#hmacKey, timestamp, body)}`;
    }
    await postBatch(this.#url, headers, body, signal);
  }

  async close(): Promise<void> {}
}

/** Returns the hex HMAC-SHA256 of `<timestamp>.<body>`, as receivers recompute it. */
export function signBody(key: string, timestamp: string, body: string): string {
  return createHmac("sha256", key).update(`${timestamp}.${body}`).digest("hex");
}
