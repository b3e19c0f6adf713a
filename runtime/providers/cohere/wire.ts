/**
 * The parts of Cohere's v2 wire format (`POST /v2/chat`, `POST /v2/embed`) that the codec reads
 * or writes. Upstream fields the codec ignores stay reachable through index signatures.
 */

export interface CohereTextPart {
  type: "text";
  text: string;
}

export interface CohereImagePart {
  type: "image_url";
  image_url: { url: string; detail?: "auto" | "low" | "high" };
}

export interface CohereThinkingPart {
  type: "thinking";
  thinking: string;
}

export type CohereUserPart = CohereTextPart | CohereImagePart;

export interface CohereToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export type CohereMessage =
  | { role: "system"; content: string | CohereTextPart[] }
  | { role: "user"; content: string | CohereUserPart[] }
  | {
      role: "assistant";
      content?: string | (CohereTextPart | CohereThinkingPart)[];
      tool_plan?: string;
      tool_calls?: CohereToolCall[];
    }
  | { role: "tool"; tool_call_id: string; content: string | CohereTextPart[] };

export interface CohereTool {
  type: "function";
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

/** Cohere's `response_format`: JSON mode, with the schema itself (no name) when one is given. */
export interface CohereResponseFormat {
  type: "json_object";
  json_schema?: Record<string, unknown>;
}

export interface CohereThinking {
  type: "enabled" | "disabled";
  token_budget?: number;
}

export interface CohereChatRequest {
  model: string;
  messages: CohereMessage[];
  stream?: boolean;
  tools?: CohereTool[];
  tool_choice?: "REQUIRED" | "NONE";
  strict_tools?: boolean;
  response_format?: CohereResponseFormat;
  max_tokens?: number;
  temperature?: number;
  p?: number;
  k?: number;
  seed?: number;
  stop_sequences?: string[];
  frequency_penalty?: number;
  presence_penalty?: number;
  thinking?: CohereThinking;
}

/** Usage as it appears in a response and in the `message-end` stream event. */
export interface CohereUsage {
  billed_units?: { input_tokens?: number | null; output_tokens?: number | null } | null;
  tokens?: { input_tokens?: number | null; output_tokens?: number | null } | null;
  cached_tokens?: number | null;
  [field: string]: unknown;
}

/** A response content part; citation and other later types pass through untyped. */
export type CohereResponsePart =
  | CohereTextPart
  | CohereThinkingPart
  | { type: string; [field: string]: unknown };

export interface CohereChatResponse {
  id: string;
  finish_reason: string;
  message: {
    role: "assistant";
    content?: CohereResponsePart[];
    tool_plan?: string;
    tool_calls?: CohereToolCall[];
    [field: string]: unknown;
  };
  usage?: CohereUsage;
}

export interface CohereEmbedRequest {
  model: string;
  texts: string[];
  input_type: string;
  embedding_types: ["float"];
  output_dimension?: number;
  truncate?: string;
}

export interface CohereEmbedResponse {
  id?: string;
  embeddings: { float?: number[][]; [type: string]: unknown };
  meta?: { billed_units?: { input_tokens?: number | null } | null; [field: string]: unknown };
  [field: string]: unknown;
}
