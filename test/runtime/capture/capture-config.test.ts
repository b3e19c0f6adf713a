import { describe, expect, test } from "bun:test";
import {
  captureSettings, DEFAULT_MAX_INLINE_BYTES, isCaptured,
} from "../../../runtime/audit/capture-config.ts";
import { ConfigError, validateConfig } from "../../../runtime/config/load.ts";

const BASE = { providers: {}, models: {} };

describe("capture settings", () => {
  test("absent section means off", () => {
    const settings = captureSettings(undefined, "/data", "/etc/nexus");
    expect(settings.enabled).toBe(false);
    expect(isCaptured(settings, { org: "acme", project: null, keyId: "k" })).toBe(false);
  });

  test("defaults apply", () => {
    const settings = captureSettings({ enabled: true }, "/data", "/etc/nexus");
    expect(settings.maxInlineBytes).toBe(DEFAULT_MAX_INLINE_BYTES);
    expect(settings.mode).toBe("redacted");
    expect(settings.retentionDays).toBe(30);
    expect(settings.spillDir).toBe("/data/spill");
  });

  test("raw mode only on explicit false", () => {
    expect(captureSettings({ enabled: true, redacted: true }, "/d", "/c").mode).toBe("redacted");
    expect(captureSettings({ enabled: true, redacted: false }, "/d", "/c").mode).toBe("raw");
  });

  test("relative spill folder resolves from the config folder", () => {
    const settings = captureSettings({ enabled: true, spillDir: "bodies" }, "/d", "/etc/nexus");
    expect(settings.spillDir).toBe("/etc/nexus/bodies");
  });

  test("scope entries match org, project and key", () => {
    const settings = captureSettings({
      enabled: true,
      scope: [{ org: "acme", project: "audit" }, { key: "vk_special" }],
    }, "/d", "/c");
    const cases: [string, string | null, string, boolean][] = [
      ["acme", "audit", "vk_1", true],
      ["acme", "other", "vk_1", false],
      ["acme", null, "vk_1", false],
      ["globex", "audit", "vk_1", false],
      ["globex", null, "vk_special", true],
    ];
    for (const [org, project, keyId, expected] of cases) {
      expect(isCaptured(settings, { org, project, keyId })).toBe(expected);
    }
  });

  test("empty scope entry matches everyone", () => {
    const settings = captureSettings({ enabled: true, scope: [{}] }, "/d", "/c");
    expect(isCaptured(settings, { org: "x", project: null, keyId: null })).toBe(true);
  });
});

describe("capture config validation", () => {
  test("accepts a full section", () => {
    const capture = {
      enabled: true,
      scope: [{ org: "acme" }],
      maxInlineBytes: 1024,
      redacted: false,
      retentionDays: 7,
      spillDir: "./spill",
    };
    const loaded = validateConfig({ ...BASE, capture }, "/etc/nexus/nexus.config.yaml");
    expect(loaded.config.capture).toEqual(capture);
  });

  test("rejects an unknown field with its path", () => {
    expect(() => validateConfig({ ...BASE, capture: { enabled: true, raw: true } }, "/c.yaml"))
      .toThrow(ConfigError);
    expect(() => validateConfig({ ...BASE, capture: { enabled: true, raw: true } }, "/c.yaml"))
      .toThrow("/capture");
  });

  test("rejects a negative inline limit", () => {
    expect(() => validateConfig({ ...BASE, capture: { enabled: true, maxInlineBytes: -1 } },
      "/c.yaml")).toThrow("/capture/maxInlineBytes");
  });
});
