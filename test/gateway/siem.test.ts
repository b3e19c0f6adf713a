import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateConfig } from "../../runtime/config/load.ts";
import { createVirtualKey } from "../../runtime/identity/keys/create.ts";
import { createLogger } from "../../runtime/observability/log.ts";
import { type RunningGateway, startGateway } from "../../services/gateway/src/server.ts";
import { type Simulator, startSimulator } from "../simulator/server.ts";
import {
  type FakeHttpSink, parseCef, parseSyslog, startFakeHttpSink, startStreamReceiver, waitFor,
} from "../runtime/siem/support.ts";

const HEC_TOKEN_ENV = "NEXUS_TEST_SIEM_HEC_TOKEN";
const HEC_TOKEN = "gateway-hec-token-7";

let simulator: Simulator;
let hec: FakeHttpSink;
let dataDir: string;
const lines: string[] = [];

/** Blocks any request that mentions the codename, so its event carries a block verdict. */
const COMPLIANCE = {
  defaultPipeline: "default",
  pipelines: {
    default: {
      request: [{ stage: "keyword_filter", words: ["Project Falcon"], action: "block" }],
    },
  },
};

function config(hecUrl: string, extraSinks: unknown[] = []) {
  return validateConfig({
    server: { host: "127.0.0.1", port: 0 },
    dataDir,
    providers: {
      openai: {
        type: "openai",
        baseUrl: `${simulator.url}/openai/v1`,
        apiKeyEnv: "NEXUS_TEST_SIEM_SIM_KEY",
        timeoutMs: 2000,
      },
    },
    models: {
      "gpt-test": {
        provider: "openai",
        upstreamModel: "gpt-4o-mini",
        price: { inputPerMTok: 0.15, outputPerMTok: 0.6 },
      },
    },
    compliance: COMPLIANCE,
    siem: {
      sinks: [{
        name: "splunk", type: "splunk_hec", url: hecUrl, tokenEnv: HEC_TOKEN_ENV,
        batchMaxRecords: 50, batchMaxWaitMs: 20, retryInitialMs: 10, retryMaxMs: 50,
      }, ...extraSinks],
      flushOnStopMs: 300,
    },
  }, join(dataDir, "nexus.config.yaml"));
}

async function boot(hecUrl: string, extraSinks: unknown[] = []): Promise<RunningGateway> {
  return startGateway(config(hecUrl, extraSinks), {
    logger: createLogger((line) => lines.push(line)),
    port: 0,
    drainTimeoutMs: 500,
  });
}

async function chat(gateway: RunningGateway, content: string, status = 200): Promise<string> {
  const { secret } = await createVirtualKey(gateway.context.keys, gateway.context.hmacSecret, {
    org: "acme", models: ["*"],
  });
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-test", messages: [{ role: "user", content }] }),
  });
  expect(response.status).toBe(status);
  await response.text();
  return response.headers.get("x-request-id") ?? "";
}

function hecEvents(): Array<{ sourcetype: string; event: { id: string; data: any } }> {
  return hec.requests.flatMap((request) => request.body.split("\n").map((l) => JSON.parse(l)));
}

beforeAll(async () => {
  process.env.NEXUS_TEST_SIEM_SIM_KEY = "sim-secret-value";
  process.env[HEC_TOKEN_ENV] = HEC_TOKEN;
  simulator = await startSimulator({ port: 0, hostname: "127.0.0.1" });
  dataDir = mkdtempSync(join(tmpdir(), "nexus-siem-gw-"));
  hec = startFakeHttpSink();
});
afterAll(async () => {
  await hec.close();
  await simulator.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("gateway SIEM forwarding", () => {
  test("chat request's event reaches HEC", async () => {
    const gateway = await boot(hec.url);
    const requestId = await chat(gateway, "hello siem");

    expect(await waitFor(() => hecEvents().some((e) => e.event.id === requestId))).toBe(true);
    const received = hecEvents().find((e) => e.event.id === requestId)!;
    expect(received.sourcetype).toBe("nexus:traffic");
    expect(received.event.data.org).toBe("acme");
    expect(received.event.data.model).toBe("gpt-test");
    expect(received.event.data.status).toBe(200);
    expect(received.event.data.inputTokens).toBeGreaterThan(0);
    expect(hec.requests[0]!.headers.get("authorization")).toBe(`Splunk ${HEC_TOKEN}`);

    // The send is counted once the fake HEC's response is read, just after it got the request.
    const sentLine = 'nexus_siem_records_sent_total{sink="splunk"} 1';
    let metrics = "";
    for (let poll = 0; poll < 100 && !metrics.includes(sentLine); poll += 1) {
      metrics = await (await fetch(`${gateway.url}/metrics`)).text();
      if (!metrics.includes(sentLine)) await Bun.sleep(10);
    }
    expect(metrics).toContain(sentLine);
    await gateway.stop();
    expect(lines.join("")).not.toContain(HEC_TOKEN);
  });

  test("events queued while HEC is down arrive after a restart", async () => {
    const down = startFakeHttpSink();
    const downUrl = down.url;
    const port = down.port;
    await down.close();

    const first = await boot(downUrl);
    const ids = [await chat(first, "one"), await chat(first, "two")];
    await first.stop();

    const back = startFakeHttpSink(port);
    const second = await boot(downUrl);
    const arrived = () => back.requests.flatMap((r) => r.body.split("\n"))
      .map((l) => (JSON.parse(l) as { event: { id: string } }).event.id);
    expect(await waitFor(() => ids.every((id) => arrived().includes(id)))).toBe(true);
    expect(arrived().filter((id) => ids.includes(id))).toEqual(ids);
    await second.stop();
    await back.close();
  });

  test("blocked request reaches syslog as CEF", async () => {
    const receiver = await startStreamReceiver();
    const gateway = await boot(hec.url, [{
      name: "soc", type: "syslog", transport: "tcp", host: "127.0.0.1", port: receiver.port,
      batchMaxWaitMs: 10,
    }]);
    const requestId = await chat(gateway, "tell me about Project Falcon", 403);

    const find = () => receiver.messages.map(parseSyslog)
      .find((message) => message.message.includes(`externalId=${requestId}`));
    expect(await waitFor(() => find() !== undefined)).toBe(true);
    const syslog = find()!;
    expect(syslog.msgId).toBe("traffic");
    // facility 13 (log audit) × 8 + severity 3 (error, from CEF severity 8)
    expect(syslog.priority).toBe(107);
    const cef = parseCef(syslog.message);
    expect(cef.header[5]).toBe("LLM request blocked");
    expect(cef.header[6]).toBe("8");
    expect(cef.extensions.get("outcome")).toBe("blocked");
    expect(cef.extensions.get("reason")).toBe("keyword_blocked");
    expect(cef.extensions.get("cs1")).toBe("acme");
    expect(cef.extensions.get("cs5")).toBe("request/keyword_filter=block");
    await gateway.stop();
    await receiver.close();
  });
});
