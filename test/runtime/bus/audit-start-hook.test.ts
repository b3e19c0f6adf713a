import { describe, expect, test } from "bun:test";
import type { AuditStart } from "../../../runtime/audit/audit-sink.ts";
import type { ResolvedModel } from "../../../runtime/config/models.ts";
import type { VirtualKey } from "../../../runtime/identity/keys/types.ts";
import { createGatewayMetrics } from "../../../runtime/observability/metrics.ts";
import type { GatewayContext } from "../../../services/gateway/src/context.ts";
import { RequestRecord } from "../../../services/gateway/src/request-record.ts";

const KEY = {
  id: "key_1", prefix: "nx_", name: null, org: "acme", project: "web", models: ["*"],
  createdAt: 0, expiresAt: null, revokedAt: null, settings: {},
} as unknown as VirtualKey;

/** Just the fields of a resolved model that the start record reads. */
const RESOLVED = {
  name: "gpt-test",
  model: { provider: "openai", upstreamModel: "gpt-4o-mini" },
  providerId: "openai",
} as unknown as ResolvedModel;

/** Just what `RequestRecord` reads on the paths under test, plus the optional hook. */
function contextWith(starts: AuditStart[] | null): GatewayContext {
  const context = {
    compliance: null,
    metrics: createGatewayMetrics(),
    eventWriter: { write: () => undefined },
  } as unknown as GatewayContext & { auditStart?: (start: AuditStart) => void };
  if (starts !== null) context.auditStart = (start) => starts.push(start);
  return context;
}

describe("request start hook", () => {
  test("admitted request announced once, no secret", () => {
    const starts: AuditStart[] = [];
    const record = new RequestRecord(contextWith(starts),
      { requestId: "req_a", clientRequestId: "client-1" }, "/v1/chat/completions");
    record.addSecret("sk-upstream-secret");
    record.setKey(KEY);
    record.setStream(true);
    // Admission names the model before it resolves it; only the resolved model is announced.
    record.setModel("gpt-test", null);
    expect(starts).toHaveLength(0);
    record.setModel("gpt-test", RESOLVED);
    record.setModel("gpt-test", RESOLVED);

    expect(starts).toHaveLength(1);
    const [first] = starts;
    expect(first).toMatchObject({
      requestId: "req_a", clientRequestId: "client-1", keyId: "key_1", org: "acme",
      project: "web", route: "/v1/chat/completions", model: "gpt-test", stream: true,
    });
    expect(first?.provider).toBe("openai");
    expect(first?.upstreamModel).toBe("gpt-4o-mini");
    expect(typeof first?.time).toBe("number");
    expect(JSON.stringify(first)).not.toContain("sk-upstream-secret");
  });

  test("finished request or no hook: nothing", async () => {
    const starts: AuditStart[] = [];
    const record = new RequestRecord(contextWith(starts),
      { requestId: "req_b", clientRequestId: null }, "/v1/embeddings");
    record.finish(401, "invalid_api_key");
    record.setModel("gpt-test", RESOLVED);
    expect(starts).toEqual([]);

    const embedded = new RequestRecord(contextWith(null),
      { requestId: "req_c", clientRequestId: null }, "/v1/embeddings");
    expect(() => embedded.setModel("gpt-test", RESOLVED)).not.toThrow();
    await expect(embedded.settled()).resolves.toBeUndefined();
  });

  test("settled waits for the hook", async () => {
    const context = contextWith([]) as GatewayContext & {
      auditSettled?: (requestId: string) => Promise<void>;
    };
    let release: () => void = () => undefined;
    const asked: string[] = [];
    context.auditSettled = (requestId) => {
      asked.push(requestId);
      return new Promise((resolve) => {
        release = resolve;
      });
    };
    const record = new RequestRecord(context, { requestId: "req_d", clientRequestId: null },
      "/v1/chat/completions");
    let done = false;
    const waiting = record.settled().then(() => {
      done = true;
    });
    await Bun.sleep(5);
    expect(asked).toEqual(["req_d"]);
    expect(done).toBe(false);
    release();
    await waiting;
    expect(done).toBe(true);
  });
});
