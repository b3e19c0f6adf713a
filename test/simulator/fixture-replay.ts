/**
 * Replays recorded provider responses from the shared fixtures folder (outside the repo, at
 * `../shared/fixtures/recorded` from the repo root). Four kinds are served:
 *
 * - `<name>.<N>.sse` from a VCR cassette: the body verbatim, with status and headers of
 *   interaction N of `<name>.yaml`, gzip-encoded again when the cassette was;
 * - `<name>.yaml#<N>`: interaction N's body exactly as recorded, compressed bytes included;
 * - `*.json`: a recorded JSON body, verbatim, with status 200;
 * - `*.chunks.txt`: one JSON event per line, framed as the fixture's provider frames SSE
 *   (Amazon Bedrock's as binary AWS event stream messages);
 *   any other `*.sse` is served verbatim with status 200.
 */

import { existsSync } from "node:fs";
import { join, normalize, relative, sep } from "node:path";
import { parse } from "yaml";
import type { Provider, SseStyle } from "./behaviour.ts";
import { eventStreamPayload, messagesFromChunkLines } from "./bedrock-frames.ts";
import type { HandlerContext } from "./incoming-request.ts";
import type { Payload } from "./payload.ts";
import { anthropicHeaders, openaiHeaders } from "./provider-headers.ts";
import { frameEvent } from "./sse-framing.ts";

const REPO_ROOT = join(import.meta.dir, "..", "..");
export const RECORDED_FIXTURES = join(REPO_ROOT, "..", "shared", "fixtures", "recorded");

/** Headers that describe the recorded connection or encoding, not the response. */
const CONNECTION_HEADERS = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "content-encoding",
]);

/** Folders whose streams name each event (`event: <type>`); the rest send only `data:`. */
const EVENT_TYPED_PROVIDERS = new Set(["anthropic", "cohere", "openai-responses"]);
/** Folders whose streams end with `data: [DONE]`, as OpenAI's Chat Completions does. */
const DONE_TERMINATED_PROVIDERS = new Set([
  "openai-chat",
  "openai-completions-legacy",
  "deepseek",
  "groq",
  "xai",
  "mistral",
]);

interface Cassette {
  interactions: { response: RecordedResponse }[];
}

interface RecordedResponse {
  status: { code: number };
  headers: Record<string, string[]>;
  body: { string: string | Uint8Array };
}

const cassettes = new Map<string, Cassette>();
const encoder = new TextEncoder();

/** Throws when the fixture does not exist or lies outside the fixtures folder. */
export function resolveFixture(fixture: string): { file: string; interaction?: number } {
  const [name = "", interactionText] = fixture.split("#");
  const file = normalize(join(RECORDED_FIXTURES, name));
  const inside = relative(RECORDED_FIXTURES, file);
  if (inside.startsWith("..") || inside.startsWith(sep)) {
    throw new Error(`fixture path leaves the fixtures folder: ${fixture}`);
  }
  if (!existsSync(file)) throw new Error(`fixture not found: ${file}`);

  const interaction = interactionText === undefined ? undefined : Number(interactionText);
  if (interaction !== undefined && !Number.isInteger(interaction)) {
    throw new Error(`invalid interaction number in fixture: ${fixture}`);
  }
  return { file, interaction };
}

export async function loadFixture(
  fixture: string,
  provider: Provider,
  context: HandlerContext,
): Promise<Payload> {
  const { file, interaction } = resolveFixture(fixture);
  const cassetteMatch = /^(.*)\.(\d+)\.sse$/.exec(file);

  if (file.endsWith(".yaml")) return replayCassetteBody(file, interaction ?? 0);
  if (cassetteMatch !== null && existsSync(`${cassetteMatch[1]}.yaml`)) {
    return replayCassetteStream(file, `${cassetteMatch[1]}.yaml`, Number(cassetteMatch[2]));
  }

  const headers = defaultHeaders(provider, context);
  const text = await Bun.file(file).text();
  // Bedrock's ConverseStream is binary AWS event stream messages, not SSE.
  if (file.endsWith(".chunks.txt") && providerFolder(file) === "amazon-bedrock") {
    return eventStreamPayload(headers, messagesFromChunkLines(text));
  }
  if (file.endsWith(".chunks.txt")) {
    const events = reframeChunks(text, providerFolder(file), context.sseStyle);
    return streamPayload(200, headers, events);
  }
  if (file.endsWith(".sse")) return streamPayload(200, headers, splitEvents(text));

  headers.set("content-type", "application/json");
  return { status: 200, headers, parts: [encoder.encode(text)], streaming: false };
}

async function replayCassetteStream(
  file: string,
  cassette: string,
  index: number,
): Promise<Payload> {
  const response = await recordedResponse(cassette, index);
  const events = splitEvents(await Bun.file(file).text());
  const payload = streamPayload(response.status.code, recordedHeaders(response), events);
  payload.gzip = contentEncoding(response) === "gzip";
  return payload;
}

async function replayCassetteBody(cassette: string, index: number): Promise<Payload> {
  const response = await recordedResponse(cassette, index);
  const headers = recordedHeaders(response);
  const encoding = contentEncoding(response);
  if (encoding !== undefined) headers.set("content-encoding", encoding);

  const body = response.body.string;
  const bytes = typeof body === "string" ? encoder.encode(body) : new Uint8Array(body);
  const streaming = (headers.get("content-type") ?? "").startsWith("text/event-stream");
  return { status: response.status.code, headers, parts: [bytes], streaming };
}

async function recordedResponse(cassette: string, index: number): Promise<RecordedResponse> {
  let parsed = cassettes.get(cassette);
  if (parsed === undefined) {
    parsed = parse(await Bun.file(cassette).text()) as Cassette;
    cassettes.set(cassette, parsed);
  }
  const interaction = parsed.interactions[index];
  if (interaction === undefined) throw new Error(`no interaction ${index} in ${cassette}`);
  return interaction.response;
}

function recordedHeaders(response: RecordedResponse): Headers {
  const headers = new Headers();
  for (const [name, values] of Object.entries(response.headers)) {
    if (CONNECTION_HEADERS.has(name.toLowerCase())) continue;
    for (const value of values) headers.append(name, value);
  }
  return headers;
}

function contentEncoding(response: RecordedResponse): string | undefined {
  const entry = Object.entries(response.headers).find(([name]) => {
    return name.toLowerCase() === "content-encoding";
  });
  return entry?.[1][0];
}

/** Splits an SSE body after each blank line; the parts concatenate to the exact input. */
function splitEvents(text: string): string[] {
  return text.split(/(?<=\n\r?\n)/);
}

function reframeChunks(text: string, folder: string, style?: SseStyle): string[] {
  const lines = text.split("\n").filter((line) => line.trim() !== "");

  if (EVENT_TYPED_PROVIDERS.has(folder)) {
    return lines.map((line) => {
      const { type } = JSON.parse(line) as { type: string };
      return frameEvent(line, type, style);
    });
  }
  // Gemini ends its SSE lines with CRLF.
  const lineStyle = folder === "google" ? (style ?? "crlf") : style;
  const events = lines.map((line) => frameEvent(line, undefined, lineStyle));
  if (DONE_TERMINATED_PROVIDERS.has(folder)) events.push(frameEvent("[DONE]", undefined, style));
  return events;
}

/** The provider folder of a vercel-ai fixture, e.g. `anthropic` for `vercel-ai/anthropic/x`. */
function providerFolder(file: string): string {
  const parts = relative(RECORDED_FIXTURES, file).split(sep);
  return parts.length >= 3 ? parts[1]! : (parts[0] ?? "");
}

function defaultHeaders(provider: Provider, context: HandlerContext): Headers {
  if (provider === "anthropic") return anthropicHeaders(context.ids.anthropicRequest());
  return openaiHeaders(context.ids.openaiRequest());
}

function streamPayload(status: number, headers: Headers, events: string[]): Payload {
  if (!headers.has("content-type")) headers.set("content-type", "text/event-stream; charset=utf-8");
  return { status, headers, parts: events.map((event) => encoder.encode(event)), streaming: true };
}
