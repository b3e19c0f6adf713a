import { describe, expect, test } from "bun:test";
import { StoreOutage } from "../../../runtime/cache/store-outage.ts";
import type { LogFields, Logger, LogLevel } from "../../../runtime/observability/log.ts";

interface Line {
  level: LogLevel;
  event: string;
  fields: LogFields;
}

function recording(): { logger: Logger; lines: Line[] } {
  const lines: Line[] = [];
  return {
    lines,
    logger: { log: (level, event, fields = {}) => void lines.push({ level, event, fields }) },
  };
}

describe("StoreOutage", () => {
  test("logs first failure only", () => {
    const { logger, lines } = recording();
    const outage = new StoreOutage(logger);
    outage.failed("cache.read_failed", { request_id: "r1", error: "Connection is closed." });
    outage.logger.log("warn", "cache.write_failed", { request_id: "r2" });
    outage.logger.log("warn", "cache.poison_check_failed", { error: "closed" });
    expect(outage.down).toBe(true);
    expect(lines.length).toBe(1);
    expect(lines[0]!.event).toBe("cache.store_unavailable");
    expect(lines[0]!.level).toBe("error");
    expect(lines[0]!.fields.step).toBe("cache.read_failed");
    expect(lines[0]!.fields.request_id).toBe("r1");
  });

  test("recovery reports unlogged count", () => {
    const { logger, lines } = recording();
    const outage = new StoreOutage(logger);
    outage.succeeded();
    expect(lines.length).toBe(0);
    outage.failed("cache.read_failed", {});
    outage.failed("cache.read_failed", {});
    outage.failed("cache.write_failed", {});
    outage.succeeded();
    expect(outage.down).toBe(false);
    expect(lines.map((line) => line.event)).toEqual(
      ["cache.store_unavailable", "cache.store_recovered"],
    );
    expect(lines[1]!.fields.failures_not_logged).toBe(2);

    outage.failed("cache.read_failed", {});
    expect(lines.length).toBe(3);
  });

  test("other events pass through", () => {
    const { logger, lines } = recording();
    const outage = new StoreOutage(logger);
    outage.logger.log("info", "cache.semantic_index_loaded", { entries: 3 });
    expect(lines).toEqual([
      { level: "info", event: "cache.semantic_index_loaded", fields: { entries: 3 } },
    ]);
    expect(outage.down).toBe(false);
  });
});
