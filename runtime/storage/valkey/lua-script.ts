import { createHash } from "node:crypto";
import type { ValkeyClient } from "./open-valkey.ts";

/**
 * A Lua script run by its SHA-1 digest, falling back to sending the source once when the
 * server does not have it cached (after a restart or SCRIPT FLUSH). Valkey runs each call
 * atomically: no other command runs between its reads and its writes.
 */
export class LuaScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash("sha1").update(source).digest("hex");
  }

  async run(client: ValkeyClient, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return await client.eval(this.#source, keys.length, ...keys, ...args);
    }
  }
}
