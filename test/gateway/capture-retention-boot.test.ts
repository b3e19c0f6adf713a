import { describe, expect, test } from "bun:test";
import type { CaptureStore, PruneResult } from "../../runtime/audit/capture-store.ts";
import { validateConfig } from "../../runtime/config/load.ts";
import { createLogger } from "../../runtime/observability/log.ts";
import { startCaptureRetention } from "../../services/gateway/src/capture-retention.ts";
import type { GatewayContext } from "../../services/gateway/src/context.ts";
import { eventually } from "../support/harness.ts";

const DAY_MS = 86_400_000;

/** Builds a bare context whose capture store records the cutoff of every prune. */
function contextWithPrunes(): { context: GatewayContext; cutoffs: number[] } {
  const cutoffs: number[] = [];
  const captures = {
    prune(cutoff: number): Promise<PruneResult> {
      cutoffs.push(cutoff);
      return Promise.resolve({ events: 0, files: 0 });
    },
  } as unknown as CaptureStore;
  const loaded = validateConfig(
    { dataDir: "/tmp/nexus-retention-unused", providers: {}, models: {},
      capture: { enabled: false, retentionDays: 1 } },
    "/tmp/nexus-retention-unused/nexus.config.yaml",
  );
  const context = {
    loaded,
    events: { captures },
    logger: createLogger(() => {}),
  } as unknown as GatewayContext;
  return { context, cutoffs };
}

describe("capture retention at boot", () => {
  test("prunes once soon after start", async () => {
    // The interval for a one-day retention is one hour, so only the boot run can show here.
    const { context, cutoffs } = contextWithPrunes();
    const startedAt = Date.now();
    const stop = startCaptureRetention(context, null, { firstRunDelayMs: 20 });
    try {
      await eventually(() => (cutoffs.length > 0 ? true : undefined));
    } finally {
      stop();
    }
    expect(cutoffs).toHaveLength(1);
    expect(cutoffs[0]).toBeGreaterThanOrEqual(startedAt - DAY_MS);
    expect(cutoffs[0]).toBeLessThanOrEqual(Date.now() - DAY_MS);
  });

  test("stop before the first run cancels it", async () => {
    const { context, cutoffs } = contextWithPrunes();
    const stop = startCaptureRetention(context, null, { firstRunDelayMs: 20 });
    stop();
    await Bun.sleep(100);
    expect(cutoffs).toHaveLength(0);
  });
});
