import { buildUpstreamRequest } from "../../../../runtime/providers/openai/upstream-request.ts";
import { isRecord } from "../../../../runtime/providers/openai/is-record.ts";
import { codecFor } from "../../../../runtime/providers/registry.ts";
import { checkAnswer, responseStagesApply } from "../compliance/check.ts";
import { relayOptions } from "../relay-options.ts";
import { passthroughEventFormat } from "../responses/passthrough-format.ts";
import { readResponsesEvents } from "../responses/read-events.ts";
import { replaceModelName } from "../responses/model-name.ts";
import { invalidResponsesUpstream } from "../responses/upstream-errors.ts";
import { usageFromResponses } from "../responses/usage.ts";
import { relayStream } from "../stream-relay.ts";
import type { UpstreamAbort } from "../upstream/call.ts";
import { readUpstreamJson } from "../upstream/read-json.ts";
import { requireEventStream } from "../upstream/require-event-stream.ts";
import { targetFor } from "../upstream/target.ts";
import {
  eventStreamHeaders,
  type ResponsesCall,
  sendUpstream,
  streamIdleTimeout,
} from "./responses-call.ts";

const ROUTE = "/v1/responses";

/**
 * Relays a Responses request to a provider that serves the Responses API itself (OpenAI). The
 * body goes on as the client wrote it with only `model` replaced, so fields the gateway does
 * not model (built-in tools, `include`, `previous_response_id`, new parameters) reach the
 * provider intact, and the answer comes back byte for byte except its model name.
 */
export async function relayResponses(call: ResponsesCall): Promise<Response> {
  const { body, resolved, record } = call;
  const codec = codecFor(resolved.provider.type);
  const target = targetFor(resolved);
  record.addTargetSecrets(target);
  const upstreamRequest = buildUpstreamRequest(target, "/responses",
    { ...body, model: target.upstreamModel });

  const { upstream, abort } = await sendUpstream(call, upstreamRequest, codec, target);
  if (body.stream === true) return await startStream(call, upstream, abort);
  return await answerJson(call, upstream, abort);
}

async function answerJson(
  call: ResponsesCall,
  upstream: Response,
  abort: UpstreamAbort,
): Promise<Response> {
  const { record, body } = call;
  // The clone is parsed with the shared error mapping, and the original keeps the exact text.
  const answer = await readUpstreamJson(upstream.clone(), abort, record.provider ?? "");
  const text = await upstream.text();
  abort.clearDeadline();
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

async function startStream(
  call: ResponsesCall,
  upstream: Response,
  abort: UpstreamAbort,
): Promise<Response> {
  const { context, record, body } = call;
  const source = await requireEventStream(upstream);
  const iterator = readResponsesEvents(source)[Symbol.asyncIterator]();

  // Wait for the first event before sending headers, so a failure that comes before any content
  // still reaches the client as an HTTP error with its real status.
  const first = await iterator.next();
  abort.clearDeadline();

  const format = passthroughEventFormat(body.model, record);
  const stream = relayStream(first, iterator, format, relayOptions(context, record, abort, {
    route: ROUTE,
    idleTimeoutMs: streamIdleTimeout(call),
  }));
  return new Response(stream, { headers: eventStreamHeaders(record) });
}
