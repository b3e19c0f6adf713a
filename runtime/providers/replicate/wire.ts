/**
 * Replicate HTTP API shapes (https://replicate.com/docs/reference/http), limited to the fields
 * the codec reads or sends. Inputs follow the LLM models' schemas (e.g.
 * `meta/meta-llama-3-70b-instruct`); each model validates its own input.
 */

/** The `input` object of an LLM prediction. */
export interface ReplicateLlmInput {
  prompt: string;
  system_prompt?: string;
  max_tokens?: number;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  /** Comma-separated stop sequences, the form Replicate's LLM models expect. */
  stop_sequences?: string;
  seed?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
}

/** Body of `POST /models/{owner}/{name}/predictions`. */
export interface CreatePredictionBody {
  input: ReplicateLlmInput;
  /** Asks for `urls.stream`, a server-sent event stream of the output. */
  stream?: boolean;
}

export type PredictionStatus = "starting" | "processing" | "succeeded" | "failed" | "canceled";

export interface PredictionUrls {
  get?: string;
  cancel?: string;
  stream?: string;
  web?: string;
}

export interface PredictionMetrics {
  input_token_count?: number;
  output_token_count?: number;
  predict_time?: number;
}

/** The prediction object that create, get and cancel all return. */
export interface Prediction {
  id?: string;
  model?: string;
  status?: PredictionStatus | string;
  /** LLMs return an array of text pieces; other models return a string or anything else. */
  output?: unknown;
  /** A string when the prediction failed, else null. */
  error?: unknown;
  urls?: PredictionUrls;
  metrics?: PredictionMetrics;
}

const TERMINAL = new Set(["succeeded", "failed", "canceled"]);

/** Reports whether a prediction has stopped changing. */
export function isTerminal(prediction: Prediction): boolean {
  return typeof prediction.status === "string" && TERMINAL.has(prediction.status);
}
