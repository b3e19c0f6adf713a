import { admitRequest } from "../admit.ts";
import { translateToScan } from "../compliance/check.ts";
import type { GatewayContext } from "../context.ts";
import type { Exchange } from "../exchange.ts";
import { openCapture } from "../capture.ts";
import { RequestRecord } from "../request-record.ts";
import { failUpstream } from "./fail-request.ts";
import { validateResponsesBody } from "./responses-body.ts";
import type { ResponsesCall } from "./responses-call.ts";
import { relayResponses } from "./responses-passthrough.ts";
import { translateResponses } from "./responses-translated.ts";

const ROUTE = "/v1/responses";

/** Provider types that serve the Responses API themselves, so requests are relayed as sent. */
const RESPONSES_NATIVE = new Set(["openai"]);

/**
 * `POST /v1/responses`: the OpenAI Responses API, JSON or SSE. Requests for an OpenAI provider
 * go to its own `/responses` endpoint unchanged except for the model name. Every other
 * provider gets the request translated into a chat request for its codec, and the answer
 * translated back into a `response` object or Responses stream events. Errors use the OpenAI
 * error shape.
 */
export async function handleResponses(
  context: GatewayContext,
  request: Request,
  exchange: Exchange,
): Promise<Response> {
  const record = new RequestRecord(context, exchange.ids, ROUTE);
  const capture = openCapture(context, record, request);
  let call: ResponsesCall | null = null;
  try {
    const { body, resolved, principal, key, passthrough } = await admitRequest(context,
      request, exchange, record, validateResponsesBody, "chat");
    await capture?.request(body, principal);
    call = { context, request, exchange, record, body, resolved, principal, key, abort: null };

    // A passthrough stream cannot be scanned, so with response stages it is translated.
    const scannedStream = translateToScan(context, record, body.stream === true, principal,
      passthrough);
    if (RESPONSES_NATIVE.has(resolved.provider.type) && !scannedStream) {
      return await relayResponses(call);
    }
    return await translateResponses(call);
  } catch (error) {
    return failUpstream(context, record, call?.abort ?? null, error);
  }
}
