import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TrafficEvent } from "../../runtime/audit/traffic-event.ts";
import { loadConfig } from "../../runtime/config/load.ts";
import { createVirtualKey } from "../../runtime/identity/keys/create.ts";
import { createLogger } from "../../runtime/observability/log.ts";
import { type RunningGateway, startGateway } from "../../services/gateway/src/server.ts";
import { type Simulator, startSimulator } from "../simulator/server.ts";
import { REPO_ROOT } from "../support/fixtures.ts";
import { eventually } from "../support/harness.ts";

const KEY_ENV = "NEXUS_TEST_CAPTURE_SIM_KEY";
const INLINE_LIMIT = 1024;
/** Redacted by the request stage. The finding kind stores the keyword folded to lower case, so
 *  the upper-case spelling can only reach the disk through a captured body. */
const SECRET = "CODENAME";

interface Gateway {
  gateway: RunningGateway;
  dir: string;
  dataDir: string;
  configPath: string;
  key: string;
  logs: string[];
  event(requestId: string): Promise<TrafficEvent | undefined>;
}

let simulator: Simulator;
const gateways: Gateway[] = [];

const KEYWORD_STAGES = [{ stage: "keyword_filter", words: ["codename"], action: "redact" }];
const TOKENIZE_STAGES = [{ stage: "pii", action: "redact", actions: { email: "tokenize" } }];

/**
 * Starts a gateway on its own data folder from a config file, as `nexus up` would, with the
 * given request stages as its only compliance pipeline.
 */
async function startCaptureGateway(
  capture: unknown,
  requestStages: unknown[] = KEYWORD_STAGES,
): Promise<Gateway> {
  const dir = mkdtempSync(join(tmpdir(), "nexus-capture-gw-"));
  const dataDir = join(dir, "data");
  const config = {
    server: { host: "127.0.0.1", port: 0 },
    dataDir,
    providers: {
      openai: { type: "openai", baseUrl: `${simulator.url}/openai/v1`, apiKeyEnv: KEY_ENV },
      anthropic: {
        type: "anthropic", baseUrl: `${simulator.url}/anthropic`, apiKeyEnv: KEY_ENV,
        streamIdleTimeoutMs: 1000,
      },
    },
    models: {
      "gpt-test": { provider: "openai", upstreamModel: "gpt-4o-mini" },
      "claude-test": { provider: "anthropic", upstreamModel: "claude-sonnet-4-5-20250929" },
      "embed-test": {
        provider: "openai", upstreamModel: "text-embedding-3-small", kind: "embedding",
      },
    },
    compliance: {
      defaultPipeline: "default",
      pipelines: {
        default: { request: requestStages },
      },
    },
    ...(capture === undefined ? {} : { capture }),
  };
  const configPath = join(dir, "nexus.config.yaml");
  // JSON is valid YAML, and the CLI reads the same file.
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const logs: string[] = [];
  const gateway = await startGateway(await loadConfig(configPath), {
    logger: createLogger((line) => logs.push(line)),
    port: 0,
  });
  const { secret: key } = await createVirtualKey(gateway.context.keys,
    gateway.context.hmacSecret, { org: "acme", models: ["*"] });
  const started: Gateway = {
    gateway, dir, dataDir, configPath, key, logs,
    async event(requestId) {
      await gateway.context.eventWriter.flush();
      return gateway.context.events.get(requestId);
    },
  };
  gateways.push(started);
  return started;
}

beforeAll(async () => {
  process.env[KEY_ENV] = "sim-capture-key";
  simulator = await startSimulator({ port: 0, hostname: "127.0.0.1" });
});
afterEach(() => {
  simulator.reset();
});
afterAll(async () => {
  for (const { gateway, dir } of gateways) {
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  await simulator.close();
});

function post(target: Gateway, path: string, body: unknown, init: RequestInit = {}) {
  return fetch(`${target.gateway.url}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${target.key}`,
      "x-api-key": target.key,
      "content-type": "application/json",
    },
    body: JSON.stringify(body),
    ...init,
  });
}

function chatBody(content: string, stream = false) {
  return { model: "gpt-test", messages: [{ role: "user", content }], stream };
}

async function nexus(target: Gateway, args: string[]) {
  const child = Bun.spawn(
    [process.execPath, join(REPO_ROOT, "bin", "nexus.ts"), ...args, "--config", target.configPath],
    { stdout: "pipe", stderr: "pipe" },
  );
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr };
}

/**
 * Files under the folder that contain `needle` anywhere in their bytes. It runs grep in a child
 * process: closing a descriptor of the database file in this process would drop the SQLite
 * locks the gateway's connection holds on it (POSIX record locks are per process).
 */
function grep(dir: string, needle: string): string[] {
  const result = Bun.spawnSync(["grep", "-rlaF", "--", needle, dir]);
  // grep exits 1 when nothing matched and 2 on an error.
  expect(result.exitCode).toBeLessThan(2);
  return result.stdout.toString().split("\n").filter((line) => line !== "").sort();
}

/** Returns the body that `nexus events show` printed under the part's header line. */
function shownBody(stdout: string, part: "request" | "response"): string {
  const start = stdout.indexOf(`--- ${part} body:`);
  expect(start).toBeGreaterThan(-1);
  const text = stdout.slice(stdout.indexOf("\n", start) + 1);
  const next = text.indexOf("--- response body:");
  return part === "request" && next !== -1 ? text.slice(0, next) : text;
}

function sha256(text: string | Uint8Array): string {
  return createHash("sha256").update(text).digest("hex");
}

describe("capture off", () => {
  test("nothing is stored by default", async () => {
    const target = await startCaptureGateway(undefined);
    const response = await post(target, "/v1/chat/completions", chatBody("hello there"));
    expect(response.status).toBe(200);
    await response.text();

    const event = (await target.event(response.headers.get("x-request-id")!))!;
    expect(event.status).toBe(200);
    expect(event.capture).toBeUndefined();
    expect(existsSync(join(target.dataDir, "spill"))).toBe(false);
    expect(grep(target.dataDir, "hello there")).toEqual([]);
  });

  test("enabled: false stores nothing", async () => {
    const target = await startCaptureGateway({ enabled: false });
    const response = await post(target, "/v1/chat/completions", chatBody("hello again"));
    await response.text();
    expect((await target.event(response.headers.get("x-request-id")!))!.capture).toBeUndefined();
    expect(grep(target.dataDir, "hello again")).toEqual([]);
  });
});

describe("redacted capture", () => {
  let target: Gateway;
  beforeAll(async () => {
    target = await startCaptureGateway({ enabled: true, maxInlineBytes: INLINE_LIMIT });
  });

  test("small bodies stay inline", async () => {
    const response = await post(target, "/v1/chat/completions", chatBody("small one"));
    const answer = await response.text();
    const id = response.headers.get("x-request-id")!;
    const capture = (await target.event(id))!.capture!;

    expect(capture.mode).toBe("redacted");
    expect(capture.request?.spill).toBeNull();
    expect(capture.request?.inlineBytes).toBe(capture.request!.size);
    expect(capture.response?.spill).toBeNull();
    expect(capture.response?.size).toBe(Buffer.byteLength(answer));
    expect(capture.response?.sha256).toBe(sha256(answer));
    expect(existsSync(join(target.dataDir, "spill"))).toBe(false);

    const shown = await nexus(target, ["events", "show", id]);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shownBody(shown.stdout, "request"))).toEqual(chatBody("small one"));
    expect(shownBody(shown.stdout, "response").trimEnd()).toBe(answer);
  });

  test("--no-bodies hides them", async () => {
    const response = await post(target, "/v1/chat/completions", chatBody("hide me please"));
    await response.text();
    const id = response.headers.get("x-request-id")!;
    await target.event(id);
    const shown = await nexus(target, ["events", "show", id, "--no-bodies"]);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout).requestId).toBe(id);
    expect(shown.stdout).not.toContain("--- request body");
    expect(shown.stdout).not.toContain("hide me please");
  });

  test("large body spills and reassembles", async () => {
    const content = `${"lorem ipsum ".repeat(800)}the end`;
    const response = await post(target, "/v1/chat/completions", chatBody(content));
    expect(response.status).toBe(200);
    await response.text();
    const id = response.headers.get("x-request-id")!;
    const request = (await target.event(id))!.capture!.request!;

    expect(request.size).toBeGreaterThan(9000);
    expect(request.inlineBytes).toBe(INLINE_LIMIT);
    expect(request.spill).toBe(`${id}.request.body`);
    const spilled = readFileSync(join(target.dataDir, "spill", request.spill!));
    expect(spilled.byteLength).toBe(request.size - INLINE_LIMIT);

    const shown = await nexus(target, ["events", "show", id]);
    expect(shown.code).toBe(0);
    const body = shownBody(shown.stdout, "request");
    expect(sha256(body.trimEnd())).toBe(request.sha256);
    expect(JSON.parse(body)).toEqual(chatBody(content));
  });

  test("redacted word never reaches the disk", async () => {
    // At both ends, so the word would land in the inline part and in the spill file.
    const content = `${SECRET} ${"filler text ".repeat(300)} ${SECRET} end`;
    const response = await post(target, "/v1/chat/completions", chatBody(content));
    expect(response.status).toBe(200);
    await response.text();
    const id = response.headers.get("x-request-id")!;
    const capture = (await target.event(id))!.capture!;

    expect(capture.request?.spill).not.toBeNull();
    expect(JSON.stringify(simulator.requests.at(-1)?.body)).not.toContain(SECRET);
    expect(grep(target.dataDir, SECRET)).toEqual([]);
    const shown = await nexus(target, ["events", "show", id]);
    expect(shownBody(shown.stdout, "request")).toContain("[REDACTED]");
  });

  test("chat stream is captured as sent", async () => {
    const response = await post(target, "/v1/chat/completions",
      chatBody("stream this please", true));
    const sent = await response.text();
    const id = response.headers.get("x-request-id")!;
    const body = (await eventually(() => target.event(id)))!.capture!.response!;

    expect(sent).toEndWith("data: [DONE]\n\n");
    expect(body.contentType).toBe("text/event-stream");
    expect(body.complete).toBe(true);
    expect(body.size).toBe(Buffer.byteLength(sent));
    expect(body.sha256).toBe(sha256(sent));
    const shown = await nexus(target, ["events", "show", id]);
    expect(shownBody(shown.stdout, "response")).toBe(sent);
  });

  test("messages stream is captured as sent", async () => {
    const response = await post(target, "/v1/messages", {
      model: "claude-test", max_tokens: 100, stream: true,
      messages: [{ role: "user", content: "messages stream" }],
    });
    expect(response.status).toBe(200);
    const sent = await response.text();
    const id = response.headers.get("x-request-id")!;
    const capture = (await eventually(() => target.event(id)))!.capture!;

    expect(sent).toContain("event: message_stop");
    expect(capture.response?.complete).toBe(true);
    expect(capture.response?.sha256).toBe(sha256(sent));
    expect(capture.request?.size).toBeGreaterThan(0);
  });

  test("cut stream keeps a partial capture", async () => {
    simulator.enqueue({ cutAfterEvents: 3 });
    const response = await post(target, "/v1/chat/completions",
      chatBody("a long enough prompt to stream several chunks back", true));
    const sent = await response.text();
    const id = response.headers.get("x-request-id")!;
    const event = await eventually(() => target.event(id));
    const body = event.capture!.response!;

    expect(sent).toContain('"error"');
    expect(event.status).not.toBe(200);
    expect(body.complete).toBe(false);
    expect(body.size).toBe(Buffer.byteLength(sent));
    expect(body.sha256).toBe(sha256(sent));
  });

  test("client abort keeps a partial capture", async () => {
    simulator.enqueue({ hangAfterEvents: 3 });
    const controller = new AbortController();
    const response = await post(target, "/v1/chat/completions",
      chatBody("abort me midway through", true), { signal: controller.signal });
    const reader = response.body!.getReader();
    const first = await reader.read();
    controller.abort();
    const id = response.headers.get("x-request-id")!;
    const event = await eventually(() => target.event(id));

    expect(event.status).toBe(499);
    expect(event.capture!.response!.complete).toBe(false);
    expect(event.capture!.response!.size).toBeGreaterThanOrEqual(first.value!.byteLength);
  });

  test("large stream spills and matches", async () => {
    const chunk = (content: string, finish: string | null) => `data: ${JSON.stringify({
      id: "chatcmpl-big", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini",
      choices: [{ index: 0, delta: { content }, finish_reason: finish }],
    })}\n\n`;
    const piece = chunk("x".repeat(1000), null);
    const upstream = piece.repeat(4000) + chunk("", "stop") + "data: [DONE]\n\n";
    simulator.enqueue({
      status: 200, body: upstream, headers: { "content-type": "text/event-stream" },
    });
    const response = await post(target, "/v1/chat/completions", chatBody("big", true));
    const sent = await response.text();
    const id = response.headers.get("x-request-id")!;
    const body = (await eventually(() => target.event(id)))!.capture!.response!;

    expect(sent.length).toBeGreaterThan(4_000_000);
    expect(body.size).toBe(Buffer.byteLength(sent));
    expect(body.sha256).toBe(sha256(sent));
    expect(body.inlineBytes).toBe(INLINE_LIMIT);
    const spilled = Bun.file(join(target.dataDir, "spill", body.spill!));
    expect(spilled.size).toBe(body.size - INLINE_LIMIT);
  });

  const jsonRoutes: [string, Record<string, unknown>][] = [
    ["/v1/embeddings", { model: "embed-test", input: "embed this" }],
    ["/v1/messages", {
      model: "claude-test", max_tokens: 50, messages: [{ role: "user", content: "hi there" }],
    }],
    ["/v1/messages", {
      model: "gpt-test", max_tokens: 50, messages: [{ role: "user", content: "translated" }],
    }],
    ["/v1/responses", { model: "gpt-test", input: "responses passthrough" }],
    ["/v1/responses", { model: "claude-test", input: "responses translated" }],
  ];
  for (const [path, body] of jsonRoutes) {
    test(`${path} ${body.model} JSON answer is captured`, async () => {
      const response = await post(target, path, body);
      expect(response.status).toBe(200);
      const answer = await response.text();
      const capture = (await target.event(response.headers.get("x-request-id")!))!.capture!;

      expect(capture.response?.contentType).toBe("application/json");
      expect(capture.response?.sha256).toBe(sha256(answer));
      expect(capture.request?.size).toBe(Buffer.byteLength(JSON.stringify(body)));
    });
  }

  test("rejected request stores no body", async () => {
    const response = await post(target, "/v1/embeddings", { model: "gpt-test", input: "x" });
    // gpt-test is not an embedding model, so admission rejects it before the body is captured.
    expect(response.status).toBe(404);
    await response.text();
    const event = (await target.event(response.headers.get("x-request-id")!))!;
    expect(event.capture).toBeUndefined();
  });

  test("no body text is logged", () => {
    const logged = target.logs.join("");
    expect(logged).not.toContain("lorem ipsum");
    expect(logged).not.toContain("stream this please");
  });
});

describe("raw capture", () => {
  test("raw mode stores the unredacted word", async () => {
    const target = await startCaptureGateway({
      enabled: true, maxInlineBytes: INLINE_LIMIT, redacted: false,
    });
    const content = `${SECRET} ${"filler text ".repeat(300)} ${SECRET} end`;
    const sentBody = JSON.stringify(chatBody(content));
    const response = await fetch(`${target.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${target.key}`, "content-type": "application/json" },
      body: sentBody,
    });
    expect(response.status).toBe(200);
    await response.text();
    const id = response.headers.get("x-request-id")!;
    const request = (await target.event(id))!.capture!.request!;

    expect((await target.event(id))!.capture!.mode).toBe("raw");
    expect(request.size).toBe(Buffer.byteLength(sentBody));
    expect(request.sha256).toBe(sha256(sentBody));
    const found = grep(target.dataDir, SECRET);
    expect(found).toContain(join(target.dataDir, "spill", `${id}.request.body`));
    expect(found.some((file) => file.includes("nexus.db"))).toBe(true);
  });

  test("gzip request is stored compressed, shown decoded", async () => {
    const target = await startCaptureGateway({
      enabled: true, maxInlineBytes: INLINE_LIMIT, redacted: false,
    });
    const sentBody = JSON.stringify(chatBody(`${SECRET} ${"filler text ".repeat(300)}`));
    const compressed = Bun.gzipSync(new TextEncoder().encode(sentBody));
    const response = await fetch(`${target.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${target.key}`,
        "content-type": "application/json",
        "content-encoding": "gzip",
      },
      body: compressed,
    });
    expect(response.status).toBe(200);
    await response.text();
    const id = response.headers.get("x-request-id")!;
    const request = (await target.event(id))!.capture!.request!;
    expect(request.contentEncoding).toBe("gzip");
    expect(request.size).toBe(compressed.byteLength);
    expect(request.sha256).toBe(sha256(compressed));

    const shown = await nexus(target, ["events", "show", id]);
    expect(shown.stderr).toBe("");
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain("raw, gzip, decoded for display");
    expect(JSON.parse(shownBody(shown.stdout, "request"))).toEqual(JSON.parse(sentBody));
  });

  test("rejected request leaves no spill file", async () => {
    const target = await startCaptureGateway({ enabled: true, maxInlineBytes: 0, redacted: false });
    const response = await fetch(`${target.gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer wrong", "content-type": "application/json" },
      body: JSON.stringify(chatBody("x".repeat(5000))),
    });
    expect(response.status).toBe(401);
    await response.text();
    await eventually(() => {
      const spill = join(target.dataDir, "spill");
      return !existsSync(spill) || readdirSync(spill).length === 0 ? true : undefined;
    });
  });
});

describe("scope", () => {
  test("out-of-scope key is not captured", async () => {
    const target = await startCaptureGateway({ enabled: true, scope: [{ org: "globex" }] });
    const response = await post(target, "/v1/chat/completions", chatBody("not for capture"));
    await response.text();
    expect((await target.event(response.headers.get("x-request-id")!))!.capture).toBeUndefined();
    expect(grep(target.dataDir, "not for capture")).toEqual([]);
  });
});

describe("retention", () => {
  test("events prune deletes bodies and keeps events", async () => {
    const target = await startCaptureGateway({ enabled: true, maxInlineBytes: 64 });
    const response = await post(target, "/v1/chat/completions", chatBody("prune me later"));
    await response.text();
    const id = response.headers.get("x-request-id")!;
    const before = (await target.event(id))!.capture!;
    expect(before.request?.spill).not.toBeNull();
    const spillDir = join(target.dataDir, "spill");
    expect(readdirSync(spillDir).length).toBe(2);

    await Bun.sleep(50);
    const pruned = await nexus(target, ["events", "prune", "--older-than", "0.01s"]);
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toContain("pruned bodies of 1 event(s), deleted 2 spill file(s)");

    const after = (await target.event(id))!;
    expect(after.status).toBe(200);
    expect(after.capture?.prunedAt).toBeNumber();
    expect(after.capture?.request?.sha256).toBe(before.request!.sha256);
    expect(readdirSync(spillDir)).toEqual([]);
    expect(grep(target.dataDir, "prune me later")).toEqual([]);
    const shown = await nexus(target, ["events", "show", id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain("deleted by retention");
  });

  test("events prune leaves no inline bytes", async () => {
    const target = await startCaptureGateway({ enabled: true, maxInlineBytes: INLINE_LIMIT });
    const marker = "inline-prune-marker";
    const response = await post(target, "/v1/chat/completions", chatBody(marker));
    await response.text();
    const id = response.headers.get("x-request-id")!;
    expect((await target.event(id))!.capture!.request?.spill).toBeNull();
    expect(grep(target.dataDir, marker).length).toBeGreaterThan(0);

    await Bun.sleep(50);
    const pruned = await nexus(target, ["events", "prune", "--older-than", "0.01s"]);
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toContain("pruned bodies of 1 event(s)");
    expect(grep(target.dataDir, marker)).toEqual([]);
  });

  test("gateway timer prunes past retention", async () => {
    const target = await startCaptureGateway({
      enabled: true, maxInlineBytes: 64, retentionDays: 1 / 86_400,
    });
    const response = await post(target, "/v1/chat/completions", chatBody("expire soon"));
    await response.text();
    const id = response.headers.get("x-request-id")!;
    expect((await target.event(id))!.capture?.prunedAt).toBeNull();

    const pruned = await eventually(
      async () => (await target.event(id))?.capture?.prunedAt ?? undefined, 6000);
    expect(pruned).toBeNumber();
    expect((await target.event(id))!.status).toBe(200);
    expect(readdirSync(join(target.dataDir, "spill"))).toEqual([]);
  }, 10_000);
});

describe("tokenized values", () => {
  const EMAIL = "jane.doe@example.com";
  const prompt = `Write to ${EMAIL} about the invoice`;

  test("redacted JSON answer keeps tokens", async () => {
    const target = await startCaptureGateway({ enabled: true, maxInlineBytes: 64 },
      TOKENIZE_STAGES);
    const response = await post(target, "/v1/chat/completions", chatBody(prompt));
    expect(response.status).toBe(200);
    const answer = await response.text();
    const id = response.headers.get("x-request-id")!;
    await target.event(id);

    expect(answer).toContain(EMAIL);
    const shown = await nexus(target, ["events", "show", id]);
    expect(shownBody(shown.stdout, "request")).toContain("[EMAIL_1]");
    expect(shownBody(shown.stdout, "response")).toContain("Echo: Write to [EMAIL_1] about");
    expect(shown.stdout).not.toContain(EMAIL);
    expect(grep(target.dataDir, EMAIL)).toEqual([]);
  });

  test("redacted stream keeps tokens", async () => {
    const target = await startCaptureGateway({ enabled: true, maxInlineBytes: 64 },
      TOKENIZE_STAGES);
    const response = await post(target, "/v1/chat/completions", chatBody(prompt, true));
    const sent = await response.text();
    const id = response.headers.get("x-request-id")!;
    const body = (await eventually(() => target.event(id)))!.capture!.response!;

    expect(sent).toContain(EMAIL);
    expect(body.complete).toBe(true);
    const shown = shownBody((await nexus(target, ["events", "show", id])).stdout, "response");
    expect(shown).toContain("[EMAIL_1]");
    expect(shown).not.toContain(EMAIL);
    expect(shown.replaceAll("[EMAIL_1]", EMAIL)).toBe(sent);
    expect(grep(target.dataDir, EMAIL)).toEqual([]);
  });

  test("redacted messages answer keeps tokens", async () => {
    const target = await startCaptureGateway({ enabled: true }, TOKENIZE_STAGES);
    const response = await post(target, "/v1/messages", {
      model: "claude-test", max_tokens: 100, messages: [{ role: "user", content: prompt }],
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(EMAIL);
    const id = response.headers.get("x-request-id")!;
    await target.event(id);

    expect(grep(target.dataDir, EMAIL)).toEqual([]);
    const shown = await nexus(target, ["events", "show", id]);
    expect(shownBody(shown.stdout, "response")).toContain("[EMAIL_1]");
  });

  test("raw stream keeps restored values", async () => {
    const target = await startCaptureGateway({ enabled: true, redacted: false }, TOKENIZE_STAGES);
    const response = await post(target, "/v1/chat/completions", chatBody(prompt, true));
    const sent = await response.text();
    const id = response.headers.get("x-request-id")!;
    await eventually(() => target.event(id));

    expect(sent).toContain(EMAIL);
    const shown = await nexus(target, ["events", "show", id]);
    expect(shownBody(shown.stdout, "response")).toBe(sent);
  });
});

describe("events show", () => {
  test("reader closing early exits quietly", async () => {
    const target = await startCaptureGateway({ enabled: true, maxInlineBytes: INLINE_LIMIT });
    const response = await post(target, "/v1/chat/completions",
      chatBody("long output ".repeat(40_000)));
    expect(response.status).toBe(200);
    await response.text();
    const id = response.headers.get("x-request-id")!;
    await target.event(id);

    // Like `nexus events show ID | head -c 1`: read once, then close the pipe mid-output.
    const child = Bun.spawn(
      [process.execPath, join(REPO_ROOT, "bin", "nexus.ts"), "events", "show", id,
        "--config", target.configPath],
      { stdout: "pipe", stderr: "pipe" },
    );
    const reader = child.stdout.getReader();
    const first = await reader.read();
    await reader.cancel();
    const [stderr, code] = await Promise.all([new Response(child.stderr).text(), child.exited]);

    expect(first.value?.byteLength).toBeGreaterThan(0);
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });
});
