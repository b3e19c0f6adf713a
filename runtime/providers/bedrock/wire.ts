/**
 * Amazon Bedrock Runtime Converse and ConverseStream wire types, as far as this codec reads
 * or writes them (Bedrock API Reference: Converse, ConverseStream, ContentBlock, TokenUsage).
 */

export interface TextBlock {
  text: string;
}

/** Image bytes go in base64 in the JSON body; Bedrock takes no image URLs. */
export interface ImageBlock {
  image: { format: "png" | "jpeg" | "gif" | "webp"; source: { bytes: string } };
}

export interface ToolUseBlock {
  toolUse: { toolUseId: string; name: string; input: unknown };
}

export interface ToolResultBlock {
  toolResult: {
    toolUseId: string;
    content: ({ text: string } | { json: unknown } | ImageBlock)[];
    status?: "success" | "error";
  };
}

export interface ReasoningBlock {
  reasoningContent:
    | { reasoningText: { text: string; signature?: string } }
    | { redactedContent: string };
}

export type ContentBlock =
  | TextBlock
  | ImageBlock
  | ToolUseBlock
  | ToolResultBlock
  | ReasoningBlock;

export interface BedrockMessage {
  role: "user" | "assistant";
  content: ContentBlock[];
}

export interface ToolSpec {
  toolSpec: { name: string; description?: string; inputSchema: { json: unknown } };
}

export type BedrockToolChoice = { auto: object } | { any: object } | { tool: { name: string } };

export interface ToolConfig {
  tools: ToolSpec[];
  toolChoice?: BedrockToolChoice;
}

export interface InferenceConfig {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
}

export interface ConverseRequest {
  messages: BedrockMessage[];
  system?: TextBlock[];
  inferenceConfig?: InferenceConfig;
  toolConfig?: ToolConfig;
  additionalModelRequestFields?: Record<string, unknown>;
}

export interface TokenUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

/** A response content block: any one of these keys is set. */
export interface ResponseBlock {
  text?: string;
  toolUse?: { toolUseId?: string; name?: string; input?: unknown };
  reasoningContent?: {
    reasoningText?: { text?: string; signature?: string };
    redactedContent?: string;
  };
  [field: string]: unknown;
}

export interface ConverseResponse {
  output: { message: { role: string; content: ResponseBlock[] } };
  stopReason?: string;
  usage?: TokenUsage;
  metrics?: { latencyMs?: number };
}
