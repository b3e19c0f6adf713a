import { hostname } from "node:os";
import type { HecSinkConfig } from "./config-schema.ts";
import { describeUrl, postBatch } from "./http-post.ts";
import type { SiemRecord } from "./record.ts";
import type { Sink } from "./sink.ts";

const EVENT_PATH = "/services/collector/event";

/**
 * Sends records to Splunk's HTTP Event Collector: one POST per batch to
 * `/services/collector/event`, whose body is the batch's event objects separated by newlines,
 * with `Authorization: Splunk <token>`.
 */
export class HecSink implements Sink {
  readonly target: string;
  readonly #config: HecSinkConfig;
  readonly #url: URL;
  readonly #token: string;

  constructor(config: HecSinkConfig, token: string) {
    this.#config = config;
    this.#token = token;
    const base = new URL(config.url);
    this.#url = base.pathname.endsWith(EVENT_PATH)
      ? base
      : new URL(`${base.pathname.replace(/\/+$/, "")}${EVENT_PATH}`, base);
    this.target = describeUrl(this.#url);
  }

  async send(records: readonly SiemRecord[], signal: AbortSignal): Promise<void> {
    const body = records.map((record) => JSON.stringify(this.#event(record))).join("\n");
    await postBatch(this.#url, {
      authorization: `Splunk ${this.#token}`,
      "content-type": "application/json",
    }, body, signal);
  }

  async close(): Promise<void> {}

  /** The HEC event envelope; `time` is epoch seconds with milliseconds as the fraction. */
  #event(record: SiemRecord): Record<string, unknown> {
    const envelope: Record<string, unknown> = {
      time: record.time / 1000,
      host: hostname(),
      source: this.#config.source ?? "nexus",
      sourcetype: this.#config.sourcetype ?? `nexus:${record.kind}`,
      event: record,
    };
    if (this.#config.index !== undefined) envelope.index = this.#config.index;
    return envelope;
  }
}
