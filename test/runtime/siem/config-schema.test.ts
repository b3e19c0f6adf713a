import { describe, expect, test } from "bun:test";
import { ConfigError, validateConfig } from "../../../runtime/config/load.ts";

function withSiem(siem: unknown) {
  return () => validateConfig({ providers: {}, models: {}, siem }, "/tmp/nexus.config.yaml");
}

describe("siem config section", () => {
  test("valid sinks of each type", () => {
    const loaded = withSiem({
      sinks: [
        { name: "syslog-tls", type: "syslog", transport: "tls", host: "127.0.0.1", port: 6514,
          caFile: "/etc/ca.pem", fsync: "always", queueMaxBytes: 4096 },
        { name: "splunk", type: "splunk_hec", url: "https://127.0.0.1:8088",
          tokenEnv: "SPLUNK_HEC_TOKEN", index: "llm" },
        { name: "hook", type: "webhook", url: "https://127.0.0.1/siem", hmacSecretEnv: "K" },
      ],
      kinds: ["traffic"],
    })();
    expect(loaded.config.siem?.sinks.length).toBe(3);
  });

  test("inline token is rejected", () => {
    const validate = withSiem({ sinks: [{ name: "s", type: "splunk_hec",
      url: "https://127.0.0.1", tokenEnv: "T", token: "abc" }] });
    expect(validate).toThrow(ConfigError);
    expect(validate).toThrow("/siem/sinks/0");
  });

  test("unknown transport is rejected", () => {
    const validate = withSiem({ sinks: [{ name: "s", type: "syslog", transport: "sctp",
      host: "127.0.0.1", port: 514 }] });
    expect(validate).toThrow(ConfigError);
  });

  test("sink name must be file-safe", () => {
    expect(withSiem({ sinks: [{ name: "../x", type: "webhook", url: "https://127.0.0.1" }] }))
      .toThrow(ConfigError);
  });
});
