// One chat completion request as the load driver sends it, with its timings and outcome.

export type Scenario = "json" | "stream";
export const SCENARIOS: readonly Scenario[] = ["json", "stream"];

export type RequestErrorCode =
  | "http_status"
  | "timeout"
  | "network"
  | "invalid_body"
  | "stream_incomplete";

/** A prepared request: the same URL, headers and body for every send in a run. */
export interface ChatTarget {
  url: string;
  init: { method: "POST"; headers: Record<string, string>; body: string };
  scenario: Scenario;
}

export interface RequestOutcome {
  /** performance.now() when the first SSE `data:` line arrived; streams only. */
  firstChunkAt?: number;
  /** performance.now() when the whole body was read or the request failed. */
  doneAt: number;
  error?: RequestErrorCode;
  /** Error message or response excerpt, kept for the first error of each code in a cell. */
  detail?: string;
  status?: number;
}

export function chatTarget(
  baseUrl: string,
  headers: Record<string, string>,
  model: string,
  scenario: Scenario,
): ChatTarget {
  const body: Record<string, unknown> = {
    model,
    messages: [{ role: "user", content: "Say hello in one short sentence." }],
    max_tokens: 32,
  };
  if (scenario === "stream") {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }

  const allHeaders = { "content-type": "application/json", ...headers };
  const init = { method: "POST" as const, headers: allHeaders, body: JSON.stringify(body) };
  return { url: `${baseUrl}/v1/chat/completions`, init, scenario };
}

function classify(error: unknown): RequestErrorCode {
  const name = error instanceof Error ? error.name : "";
  return name === "TimeoutError" || name === "AbortError" ? "timeout" : "network";
}

async function readJson(response: Response, outcome: RequestOutcome): Promise<void> {
  const text = await response.text();
  if (text.includes('"choices"')) return;
  outcome.error = "invalid_body";
  outcome.detail = `answer without "choices": ${text.slice(0, 200)}`;
}

/** Reads an SSE body to its end; records the first `data:` line and requires `[DONE]`. */
async function readStream(response: Response, outcome: RequestOutcome): Promise<void> {
  if (response.body === null) {
    outcome.error = "invalid_body";
    outcome.detail = "stream answer without a body";
    return;
  }

  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let tail = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    // The previous read's tail is prepended so that a marker split across two reads is found.
    const text = tail + decoder.decode(value, { stream: true });
    if (outcome.firstChunkAt === undefined && text.includes("data:")) {
      outcome.firstChunkAt = performance.now();
    }
    tail = text.slice(-64);
  }
  if (!tail.includes("[DONE]")) {
    outcome.error = "stream_incomplete";
    outcome.detail = `stream ended without [DONE]; last bytes: ${JSON.stringify(tail)}`;
  }
}

/** Sends one request. Failures are returned as an error code and detail, not thrown. */
export async function sendChatRequest(
  target: ChatTarget,
  timeoutMs: number,
): Promise<RequestOutcome> {
  const outcome: RequestOutcome = { doneAt: 0 };
  try {
    const signal = AbortSignal.timeout(timeoutMs);
    const response = await fetch(target.url, { ...target.init, signal });
    outcome.status = response.status;

    if (response.status !== 200) {
      outcome.error = "http_status";
      outcome.detail = `${response.status}: ${(await response.text()).slice(0, 200)}`;
    } else if (target.scenario === "stream") {
      await readStream(response, outcome);
    } else {
      await readJson(response, outcome);
    }
  } catch (error) {
    outcome.error = classify(error);
    outcome.detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }

  outcome.doneAt = performance.now();
  return outcome;
}
