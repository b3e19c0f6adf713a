import { describe, expect, test } from "bun:test";
import { ConfigError, validateConfig } from "../../runtime/config/load.ts";
import { maskPostgresUrl } from "../../runtime/storage/postgres/open-postgres.ts";
import { maskServiceUrl } from "../../runtime/storage/service-url.ts";
import { maskValkeyUrl } from "../../runtime/storage/valkey/open-valkey.ts";
import { maskUrl } from "../../services/gateway/src/backends/service-error.ts";

const MASKS = { maskServiceUrl, maskPostgresUrl, maskValkeyUrl, maskUrl };

describe("service URL masking", () => {
  const cases: [string, string][] = [
    ["postgres://nexus:hunter2@127.0.0.1:5432/db", "postgres://nexus:***@127.0.0.1:5432/db"],
    ["postgres://postgres@127.0.0.1:5499/db?password=Qwerty12",
      "postgres://postgres@127.0.0.1:5499/db?password=***"],
    ["postgres://u@127.0.0.1/db?sslmode=require&sslpassword=Qwerty12",
      "postgres://u@127.0.0.1/db?sslmode=require&sslpassword=***"],
    ["redis://127.0.0.1:6379/0?pass=Qwerty12", "redis://127.0.0.1:6379/0?pass=***"],
    ["redis://:Qwerty12@127.0.0.1:6379", "redis://:***@127.0.0.1:6379"],
    ["nats://a:Qwerty12@127.0.0.1:4222,nats://127.0.0.1:4223?token=Qwerty12",
      "nats://a:***@127.0.0.1:4222,nats://127.0.0.1:4223?token=***"],
    ["127.0.0.1:5499/db?password=Qwerty12", "(invalid URL)"],
  ];

  for (const [name, mask] of Object.entries(MASKS)) {
    test(`${name} hides every password`, () => {
      for (const [url, masked] of cases) {
        expect(mask(url)).toBe(masked);
        expect(mask(url)).not.toContain("Qwerty12");
      }
    });
  }
});

function configWith(storage: Record<string, unknown>): unknown {
  return {
    server: { host: "127.0.0.1", port: 0 },
    providers: {},
    models: {},
    storage: {
      postgres: { url: "postgres://postgres@127.0.0.1:5432/postgres" },
      valkey: { url: "redis://127.0.0.1:6379" },
      nats: { url: "nats://127.0.0.1:4222" },
      ...storage,
    },
  };
}

function configError(storage: Record<string, unknown>): ConfigError {
  try {
    validateConfig(configWith(storage), "/tmp/nexus.config.yaml");
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("the config was accepted");
}

describe("storage URL validation", () => {
  const rejected: [string, string][] = [
    ["postgres", "notaurl:Qwerty12"],
    ["postgres", "127.0.0.1:5499/db?password=Qwerty12"],
    ["postgres", "redis://u:Qwerty12@127.0.0.1:5432/db"],
    ["valkey", "postgres://u:Qwerty12@127.0.0.1:6379"],
    ["valkey", "Qwerty12"],
    ["nats", "redis://u:Qwerty12@127.0.0.1:4222"],
    ["nats", "nats://127.0.0.1:4222,127.0.0.1:4223?token=Qwerty12"],
  ];

  test("bad URLs fail naming the field", () => {
    for (const [service, url] of rejected) {
      const error = configError({ [service]: { url } });
      expect(error.message).toContain(`invalid field /storage/${service}/url: `);
      expect(error.message).not.toContain("Qwerty12");
    }
  });

  test("supported schemes pass", () => {
    const accepted: [string, string][] = [
      ["postgres", "postgresql://u:p@127.0.0.1:5432/db?sslmode=disable"],
      ["valkey", "rediss://127.0.0.1:6380"],
      ["valkey", "valkey://127.0.0.1:6379/1"],
      ["valkey", "valkeys://127.0.0.1:6380"],
      ["nats", "tls://127.0.0.1:4222"],
      ["nats", "nats://127.0.0.1:4222, nats://127.0.0.1:4223"],
    ];
    for (const [service, url] of accepted) {
      const loaded = validateConfig(configWith({ [service]: { url } }), "/tmp/c.yaml");
      expect(loaded.config.storage?.[service as "nats"]?.url).toBe(url);
    }
  });
});
