import type { LogFields, Logger, LogLevel } from "../observability/log.ts";

/**
 * Events that report a failed command on the cache's store (Valkey on production backends).
 * While the store is down every request hits one of them, so they are logged once per outage.
 */
export const STORE_FAILURE_EVENTS: ReadonlySet<string> = new Set([
  "cache.read_failed",
  "cache.write_failed",
  "cache.semantic_read_failed",
  "cache.semantic_entry_read_failed",
  "cache.semantic_entry_write_failed",
  "cache.flight_lock_failed",
  "cache.flight_lease_renew_failed",
  "cache.flight_release_failed",
  "cache.poison_check_failed",
  "cache.served_write_failed",
  "cache.stored_link_write_failed",
]);

/**
 * The state of the cache's store as requests see it. The first failed command of an outage
 * is logged as `cache.store_unavailable`, later ones are only counted, and the next command
 * that succeeds ends the outage with `cache.store_recovered` and the count of failures not
 * logged. The cache fails open, so an outage costs hits but fails no request.
 */
export class StoreOutage {
  readonly #logger: Logger;
  #down = false;
  #unlogged = 0;
  /** Logs through the outage's rules the events in `STORE_FAILURE_EVENTS`, others unchanged. */
  readonly logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
    this.logger = {
      log: (level: LogLevel, event: string, fields?: LogFields) => {
        if (STORE_FAILURE_EVENTS.has(event)) this.failed(event, fields ?? {});
        else this.#logger.log(level, event, fields);
      },
    };
  }

  /** True between a failed store command and the next one that succeeds. */
  get down(): boolean {
    return this.#down;
  }

  /** Records a failed store command at the step `event`, one of `STORE_FAILURE_EVENTS`. */
  failed(event: string, fields: LogFields): void {
    if (this.#down) {
      this.#unlogged += 1;
      return;
    }
    this.#down = true;
    this.#logger.log("error", "cache.store_unavailable", { step: event, ...fields });
  }

  /** Records a store command that succeeded, which ends an outage in progress. */
  succeeded(): void {
    if (!this.#down) return;
    this.#logger.log("info", "cache.store_recovered", { failures_not_logged: this.#unlogged });
    this.#down = false;
    this.#unlogged = 0;
  }
}
