/**
 * Simulated Replicate predictions: create (`POST /models/{owner}/{name}/predictions`), read
 * (`GET /predictions/{id}`), cancel (`POST /predictions/{id}/cancel`) and the output stream
 * (`GET /predictions/{id}/stream`). A prediction moves one status per read, so a test can
 * predict how many polls it takes; `replicate-scenario.ts` lists the models that behave otherwise.
 * The `urls` in each answer are built from the request's Host header, so they point back at
 * the simulator that served it.
 */

import { isRecord, type HandlerContext, type IncomingRequest } from "./incoming-request.ts";
import { jsonPayload, ssePayload, type Payload } from "./payload.ts";
import {
  checkReplicateAuth,
  replicateError,
  replicateHeaders,
  type ReplicateRoute,
} from "./replicate-request.ts";
import { FAILURE_MESSAGE, scenarioFor, type Scenario } from "./replicate-scenario.ts";
import { decideAnswer, estimateTokens, splitDeltas } from "./synthetic-answer.ts";

interface SimulatedPrediction {
  id: string;
  model: string;
  scenario: Scenario;
  input: Record<string, unknown>;
  stream: boolean;
  /** Origin the `urls` use. */
  origin: string;
  pieces: string[];
  inputTokens: number;
  outputTokens: number;
  status: "starting" | "processing" | "succeeded" | "failed" | "canceled";
  createdAt: string;
}

/** Predictions by `host id`; the host keeps two simulators in one process apart. */
const PREDICTIONS = new Map<string, SimulatedPrediction>();
const MAX_STORED = 1000;

export function handleReplicate(
  route: ReplicateRoute,
  incoming: IncomingRequest,
  context: HandlerContext,
): Payload {
  const unauthorized = checkReplicateAuth(incoming);
  if (unauthorized !== null) return unauthorized;
  if (route.kind === "create") return create(route.model, incoming, context);

  const prediction = PREDICTIONS.get(storeKey(incoming, route.id));
  if (prediction === undefined) return replicateError(404);
  if (route.kind === "get") advance(prediction);
  if (route.kind === "cancel" && !isFinished(prediction)) prediction.status = "canceled";
  if (route.kind === "stream") return streamEvents(prediction);
  return jsonPayload(200, replicateHeaders(), predictionObject(prediction));
}

function create(model: string, incoming: IncomingRequest, context: HandlerContext): Payload {
  const body = incoming.json;
  const input = isRecord(body) && isRecord(body.input) ? body.input : undefined;
  if (input === undefined || typeof input.prompt !== "string") {
    return replicateError(422, "input: prompt is required");
  }

  const prediction = newPrediction(model, input, incoming, context);
  prediction.stream = isRecord(body) && body.stream === true;
  if (PREDICTIONS.size >= MAX_STORED) PREDICTIONS.delete(PREDICTIONS.keys().next().value!);
  PREDICTIONS.set(storeKey(incoming, prediction.id), prediction);
  return jsonPayload(201, replicateHeaders(), predictionObject(prediction));
}

function newPrediction(
  model: string,
  input: Record<string, unknown>,
  incoming: IncomingRequest,
  context: HandlerContext,
): SimulatedPrediction {
  const prompt = String(input.prompt);
  const system = typeof input.system_prompt === "string" ? input.system_prompt : "";
  const maxTokens = typeof input.max_tokens === "number" ? input.max_tokens : undefined;
  const answer = decideAnswer({
    lastUserText: prompt,
    endsWithPrompt: true,
    tools: [],
    toolChoice: { kind: "none" },
    inputChars: prompt.length + system.length,
    maxOutputTokens: maxTokens,
  });
  const text = answer.kind === "text" ? answer.text : "";
  const scenario = scenarioFor(model);
  const host = incoming.headers.get("host") ?? "127.0.0.1";
  // localhost and 127.0.0.1 reach the same simulator but are different origins.
  const origin = scenario === "foreign-urls"
    ? `http://localhost:${host.split(":")[1] ?? "80"}`
    : `http://${host}`;

  return {
    id: context.ids.base62(26).toLowerCase(),
    model,
    scenario,
    input,
    stream: false,
    origin,
    pieces: splitDeltas(text),
    inputTokens: estimateTokens(prompt.length + system.length),
    outputTokens: estimateTokens(text.length),
    status: "starting",
    createdAt: new Date().toISOString(),
  };
}

/** Moves the prediction one status per read: starting, processing, then the scenario's end. */
function advance(prediction: SimulatedPrediction): void {
  if (prediction.status === "starting") {
    prediction.status = "processing";
    return;
  }
  if (prediction.status !== "processing") return;
  if (prediction.scenario === "stalls") return;
  prediction.status = prediction.scenario === "fails" ? "failed" : "succeeded";
}

function isFinished(prediction: SimulatedPrediction): boolean {
  return ["succeeded", "failed", "canceled"].includes(prediction.status);
}

function predictionObject(prediction: SimulatedPrediction): Record<string, unknown> {
  const base = `${prediction.origin}/replicate/v1/predictions/${prediction.id}`;
  const urls: Record<string, string> = {
    cancel: `${base}/cancel`,
    get: base,
    web: `https://replicate.com/p/${prediction.id}`,
  };
  if (prediction.stream) urls.stream = `${base}/stream`;

  const { status } = prediction;
  return {
    id: prediction.id,
    model: prediction.model,
    version: "hidden",
    input: prediction.input,
    logs: "",
    output: outputFor(prediction),
    data_removed: false,
    error: status === "failed" ? FAILURE_MESSAGE : null,
    status,
    created_at: prediction.createdAt,
    urls,
    metrics: status === "succeeded" ? metricsFor(prediction) : {},
  };
}

/** Half the pieces while processing, all once succeeded, as an LLM's output grows. */
function outputFor(prediction: SimulatedPrediction): string[] | null {
  if (prediction.status === "succeeded") return prediction.pieces;
  if (prediction.status === "processing") {
    return prediction.pieces.slice(0, Math.floor(prediction.pieces.length / 2));
  }
  return null;
}

function metricsFor(prediction: SimulatedPrediction): Record<string, number> {
  return {
    input_token_count: prediction.inputTokens,
    output_token_count: prediction.outputTokens,
    predict_time: 0.5,
    total_time: 0.6,
  };
}

/**
 * Builds the output stream: one `output` event per piece, then `done`. A failing prediction
 * sends one piece, then `error` and `done`. Reading the stream finishes the prediction.
 */
function streamEvents(prediction: SimulatedPrediction): Payload {
  if (!prediction.stream) return replicateError(404);

  const fails = prediction.scenario === "fails";
  const pieces = fails ? prediction.pieces.slice(0, 1) : prediction.pieces;
  const events = pieces.map((piece, index) => frame("output", piece, index));
  if (fails) events.push(frame("error", JSON.stringify({ detail: FAILURE_MESSAGE }), 0));
  events.push(frame("done", "{}", events.length));
  prediction.status = fails ? "failed" : "succeeded";
  return ssePayload(replicateHeaders(), events);
}

/** Frames an event; text with line breaks takes one `data:` line per line, as SSE requires. */
function frame(event: string, data: string, index: number): string {
  const lines = data.split("\n").map((line) => `data: ${line}\n`).join("");
  return `event: ${event}\nid: 1690212292:${index}\n${lines}\n`;
}

function storeKey(incoming: IncomingRequest, id: string): string {
  return `${incoming.headers.get("host") ?? ""} ${id}`;
}
