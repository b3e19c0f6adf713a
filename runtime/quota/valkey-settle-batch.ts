import type { ValkeyClient } from "../storage/valkey/open-valkey.ts";
import type { QuotaKeys } from "./valkey-quota-keys.ts";
import { SETTLE } from "./valkey-quota-scripts.ts";

/** Maximum settles in one SETTLE call. A full batch is sent without waiting. */
const MAX_SETTLES_PER_CALL = 64;

/** One reservation's part of a SETTLE call: its keys and arguments after the shared ones. */
export interface SettleEntry {
  keys: string[];
  args: (string | number)[];
}

/** Raised alerts of one settle, as {check number, used} pairs. */
export type SettleReply = (number | string)[];

interface Waiting {
  entry: SettleEntry;
  resolve(reply: SettleReply): void;
  reject(error: unknown): void;
}

interface Batch {
  waiting: Waiting[];
  timer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | null;
}

/**
 * Collects the settles of one hash tag that arrive within `delayMs` of the first, or within
 * the same event-loop turn when `delayMs` is 0. It sends them as one SETTLE call, so the
 * gateway sends one command in place of one per request. Each settle's promise resolves with
 * its own alerts when the call returns.
 */
export class SettleBatcher {
  readonly #client: ValkeyClient;
  readonly #keys: QuotaKeys;
  readonly #delayMs: number;
  readonly #batches = new Map<string, Batch>();

  constructor(client: ValkeyClient, keys: QuotaKeys, delayMs: number) {
    this.#client = client;
    this.#keys = keys;
    this.#delayMs = delayMs;
  }

  add(tag: string, entry: SettleEntry): Promise<SettleReply> {
    return new Promise((resolve, reject) => {
      const batch = this.#batches.get(tag) ?? { waiting: [], timer: null };
      this.#batches.set(tag, batch);
      batch.waiting.push({ entry, resolve, reject });

      if (batch.waiting.length >= MAX_SETTLES_PER_CALL) {
        this.#send(tag);
      } else if (this.#delayMs <= 0) {
        batch.timer ??= setImmediate(() => this.#send(tag));
      } else {
        batch.timer ??= setTimeout(() => this.#send(tag), this.#delayMs);
      }
    });
  }

  /** Sends every batch still waiting for its timer, as a stopping store must. */
  flush(): void {
    for (const tag of [...this.#batches.keys()]) this.#send(tag);
  }

  #send(tag: string): void {
    const batch = this.#batches.get(tag);
    if (batch === undefined) return;
    this.#batches.delete(tag);
    if (batch.timer !== null) {
      clearTimeout(batch.timer as ReturnType<typeof setTimeout>);
      clearImmediate(batch.timer as ReturnType<typeof setImmediate>);
    }

    const { waiting } = batch;
    const keys = [this.#keys.leases(tag), this.#keys.reservations(tag),
      ...waiting.flatMap(({ entry }) => entry.keys)];
    const args = [waiting.length, ...waiting.flatMap(({ entry }) => entry.args)];
    SETTLE.run(this.#client, keys, args).then(
      (reply) => splitReply(reply as SettleReply, waiting),
      (error: unknown) => waiting.forEach((settle) => settle.reject(error)),
    );
  }
}

/** Hands each settle its part of the reply: a count k, then k {check, used} pairs. */
function splitReply(reply: SettleReply, waiting: Waiting[]): void {
  let at = 0;
  for (const settle of waiting) {
    const count = Number(reply[at]);
    settle.resolve(reply.slice(at + 1, at + 1 + 2 * count));
    at += 1 + 2 * count;
  }
}
