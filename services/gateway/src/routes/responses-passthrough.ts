import { isRecord } from "../../../../runtime/providers/openai/is-record.ts";
import { checkAnswer, responseStagesApply } from "../compliance/check.ts";
import { relayOptions } from "../relay-options.ts";
import { passthroughEventFormat } from "../responses/passthrough-format.ts";
import type { ResponsesEvent } from "../responses/read-events.ts";
import { replaceModelName } from "../responses/model-name.ts";
import { invalidResponsesUpstream } from "../responses/upstream-errors.ts";
import { usageFromResponses } from "../responses/usage.ts";
import { relayStream } from "../stream-relay.ts";
import {
  eventStreamHeaders,
  type ResponsesCall,
  streamIdleTimeout,
} from "./responses-call.ts";
import type { ResponsesReply } from "./responses-route.ts";

type PassthroughStart = Extract<ResponsesReply, { kind: "passthrough" }>["start"];

const ROUTE = "/v1/responses";

/**
 * Relays a Responses request to a provider that serves the Responses API itself (OpenAI). The
 * body goes on as the client wrote it with only `model` replaced, so fields the gateway does
 * not model (built-in tools, `include`, `previous_response_id`, new parameters) reach the
 * provider intact, and the answer comes back byte for byte except its model name.
 */
export async function relayResponses(
  call: ResponsesCall,
  start: PassthroughStart,
): Promise<Response> {
  if (start.kind === "stream") return startStream(call, start.first, start.rest);
  return await answerJson(call, start.answer, start.text);
}

export async function answerJson(
  call: ResponsesCall,
  answer: unknown,
  text: string,
): Promise<Response> {
  const { record, body } = call;
  if (!isRecord(answer)) throw invalidResponsesUpstream("the response is not a JSON object.");

  record.setUsage(usageFromResponses(answer.usage));
  if (responseStagesApply(call.context, call.principal)) {
    // Scanned answers are re-serialised, since redactions change the text.
    answer.model = body.model;
    record.capture?.response(answer);
    await checkAnswer(call.context, record, call.principal, body.model, answer);
    record.finish(200, null);
    return Response.json(answer, { headers: record.responseHeaders() });
  }
  const relayed = typeof answer.model === "string"
    ? replaceModelName(text, answer.model, body.model)
    : text;
  record.capture?.responseText(relayed);
  record.finish(200, null);
  return new Response(relayed, {
    headers: { "content-type": "application/json", ...record.responseHeaders() },
  });
}

/**
 * Relays a stream whose first event the routing step already read, so a failure before any
 * content still reached the client as an HTTP error with its real status.
 */
function startStream(
  call: ResponsesCall,
  first: IteratorResult<ResponsesEvent>,
  iterator: AsyncIterator<ResponsesEvent>,
): Response {
  const { context, record, body } = call;
  const abort = call.abort!;
  const format = passthroughEventFormat(body.model, record);
  const stream = relayStream(first, iterator, format, relayOptions(context, record, abort, {
    route: ROUTE,
    idleTimeoutMs: streamIdleTimeout(call),
  }));
  return new Response(stream, { headers: eventStreamHeaders(record) });
}
