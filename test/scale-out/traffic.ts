/** One chat request as the scale-out tests send it, and what the client got back. */
export interface ChatOutcome {
  status: number;
  /** The gateway's `x-request-id`; missing when the connection failed before headers. */
  requestId: string | null;
  /** True when the client read a whole response: a JSON body with choices, or `[DONE]`. */
  complete: boolean;
  /** Tokens the response reported in `usage.total_tokens`, when it reported them. */
  totalTokens?: number;
  /** `usage.prompt_tokens` and `usage.completion_tokens` of a JSON response. */
  promptTokens?: number;
  completionTokens?: number;
  /** The error code of a non-200 response. */
  errorCode?: string;
}

export interface ChatInput {
  url: string;
  key: string;
  stream?: boolean;
  maxTokens?: number;
  content?: string;
  timeoutMs?: number;
  /** Called with every decoded piece of a stream, so a test can act mid-stream. */
  onChunk?: (text: string) => void;
}

/** Builds the request body; exported so a test can compute the quota estimate from it. */
export function chatBody(input: Pick<ChatInput, "stream" | "maxTokens" | "content">): string {
  const body: Record<string, unknown> = {
    model: "gpt-test",
    messages: [{ role: "user", content: input.content ?? "Say hello in one short sentence." }],
    max_tokens: input.maxTokens ?? 32,
  };
  if (input.stream === true) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return JSON.stringify(body);
}

interface JsonUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** Sends one chat completion; a failed connection is an outcome, not a throw. */
export async function sendChat(input: ChatInput): Promise<ChatOutcome> {
  let response: Response;
  try {
    response = await fetch(`${input.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${input.key}`, "content-type": "application/json" },
      body: chatBody(input),
      signal: AbortSignal.timeout(input.timeoutMs ?? 15_000),
    });
  } catch {
    return { status: 0, requestId: null, complete: false };
  }

  const outcome: ChatOutcome = {
    status: response.status,
    requestId: response.headers.get("x-request-id"),
    complete: false,
  };
  try {
    if (response.status !== 200) {
      const body = await response.json() as { error?: { code?: string } };
      outcome.errorCode = body.error?.code;
    } else if (input.stream === true) {
      await readStream(response, outcome, input.onChunk);
    } else {
      const body = await response.json() as { choices?: unknown[]; usage?: JsonUsage };
      outcome.complete = Array.isArray(body.choices) && body.choices.length > 0;
      outcome.totalTokens = body.usage?.total_tokens;
      outcome.promptTokens = body.usage?.prompt_tokens;
      outcome.completionTokens = body.usage?.completion_tokens;
    }
  } catch {
    // A body cut mid-way leaves `complete` false.
  }
  return outcome;
}

async function readStream(response: Response, outcome: ChatOutcome,
  onChunk: ((text: string) => void) | undefined): Promise<void> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const piece = decoder.decode(value, { stream: true });
    text += piece;
    onChunk?.(piece);
  }
  outcome.complete = text.includes("data: [DONE]");
  const usage = /"total_tokens":(\d+)/.exec(text);
  if (usage !== null) outcome.totalTokens = Number(usage[1]);
}
