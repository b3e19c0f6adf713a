import type { Logger } from "../observability/log.ts";
import type { ValkeyClient } from "../storage/valkey/open-valkey.ts";
import type { PoisonPersistence, ServedAnswer } from "./semantic-poison.ts";

/**
 * Keeps reported prompts and the answer each request got in Valkey (or Redis 7), shared by
 * every gateway node. Under the key prefix it writes `poisoned` (a set of `[scope,
 * fingerprint]` JSON members, read whole at boot and checked one by one after),
 * `served:<request id>` (the answer, expiring with the cache TTL) and `stored:<scope>:
 * <fingerprint>` (the store keys of the prompt's answers). Reports are rare and made by
 * operators, so the `poisoned` set is not bounded.
 */
export class ValkeyPoisonPersistence implements PoisonPersistence {
  readonly #client: ValkeyClient;
  readonly #prefix: string;
  readonly #logger: Logger | null;

  constructor(client: ValkeyClient, prefix: string, logger: Logger | null = null) {
    this.#client = client;
    this.#prefix = `${prefix}poison:`;
    this.#logger = logger;
  }

  async load(): Promise<{ scope: string; promptFingerprint: string }[]> {
    const members = await this.#client.smembers(this.#poisonedKey());
    const prompts = members.map((member) => JSON.parse(member) as [string, string]);
    this.#logger?.log("info", "cache.poison_loaded", { prompts: prompts.length });
    return prompts.map(([scope, promptFingerprint]) => ({ scope, promptFingerprint }));
  }

  async save(scope: string, promptFingerprint: string): Promise<void> {
    await this.#client.sadd(this.#poisonedKey(), memberOf(scope, promptFingerprint));
  }

  async isPoisoned(scope: string, promptFingerprint: string): Promise<boolean> {
    return await this.#client.sismember(this.#poisonedKey(),
      memberOf(scope, promptFingerprint)) === 1;
  }

  async saveServed(requestId: string, served: ServedAnswer, expiresAt: number): Promise<void> {
    await this.#client.set(this.#servedKey(requestId), JSON.stringify(served), "PXAT", expiresAt);
  }

  /** Returns the linked answer; its key expires with the link, so `now` is not needed. */
  async findServed(requestId: string, _now: number): Promise<ServedAnswer | undefined> {
    const value = await this.#client.get(this.#servedKey(requestId));
    return value === null ? undefined : JSON.parse(value) as ServedAnswer;
  }

  /** Adds the key to the prompt's set, which lives as long as the newest answer in it. */
  async saveStored(storeKey: string, scope: string, promptFingerprint: string,
    expiresAt: number): Promise<void> {
    const setKey = this.#storedKey(scope, promptFingerprint);
    await this.#client.multi()
      .sadd(setKey, storeKey)
      .pexpireat(setKey, expiresAt)
      .exec();
  }

  async findStored(scope: string, promptFingerprints: ReadonlySet<string>): Promise<string[]> {
    const keys: string[] = [];
    for (const fingerprint of promptFingerprints) {
      keys.push(...await this.#client.smembers(this.#storedKey(scope, fingerprint)));
    }
    return keys;
  }

  #storedKey(scope: string, promptFingerprint: string): string {
    return `${this.#prefix}stored:${encodeURIComponent(scope)}:${
      encodeURIComponent(promptFingerprint)}`;
  }

  #poisonedKey(): string {
    return `${this.#prefix}poisoned`;
  }

  #servedKey(requestId: string): string {
    return `${this.#prefix}served:${encodeURIComponent(requestId)}`;
  }
}

function memberOf(scope: string, promptFingerprint: string): string {
  return JSON.stringify([scope, promptFingerprint]);
}
