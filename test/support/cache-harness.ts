import { afterAll, afterEach, beforeAll } from "bun:test";
import { type Harness, startHarness } from "./harness.ts";

/** Options of a request sent by a cache test's helper for its inbound API. */
export interface CacheRequestOptions {
  model?: string;
  stream?: boolean;
  headers?: Record<string, string>;
  /** Body fields merged over the helper's defaults. */
  extra?: Record<string, unknown>;
}

/**
 * Registers the hooks of a cache test file: before its tests, starts a harness with the
 * answer cache on (60 s time to live) and passes it to `ready`, which creates the file's keys.
 * Resets the simulator after each test and closes the harness after all of them.
 */
export function useCacheHarness(ready: (harness: Harness) => Promise<void>): void {
  let harness: Harness | undefined;
  beforeAll(async () => {
    harness = await startHarness({ extra: () => ({ cache: { enabled: true, ttlSeconds: 60 } }) });
    await ready(harness);
  });
  afterEach(() => {
    harness?.simulator.reset();
  });
  afterAll(async () => {
    await harness?.close();
  });
}
