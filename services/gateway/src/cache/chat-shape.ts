import type { ChatChunk, ChatResponse } from "../../../../runtime/canonical/chat.ts";
import { isCacheableResponse, isCacheableStream } from
  "../../../../runtime/cache/cached-answer.ts";
import type { Principal } from "../../../../runtime/hooks/stage.ts";
import { checkAnswer } from "../compliance/check.ts";
import { scanChatStream } from "../compliance/scan-chunks.ts";
import type { GatewayContext } from "../context.ts";
import type { RequestRecord } from "../request-record.ts";
import type { StreamFormat } from "../stream-relay.ts";
import type { FlightItem } from "./chat-cache.ts";
import type { AnswerShape } from "./serve-flight.ts";
import { streamText } from "./stream-text.ts";

export interface ChatShapeInput {
  context: GatewayContext;
  record: RequestRecord;
  principal: Principal | null;
  /** The model name the client asked for, which the answer carries. */
  clientModel: string;
}

/** The encoding of canonical chat items for one inbound API: chat, or a translated API. */
export interface ChatPresentation {
  /** A new framing of canonical chunks for one client. */
  format(): StreamFormat<ChatChunk>;
  streamHeaders(): Record<string, string>;
  /**
   * Encodes a JSON answer in the API's shape, captures and checks it, and returns the client's
   * response; `clean` is false when the response pipeline changed it.
   */
  respond(answer: ChatResponse): Promise<{ response: Response; clean: boolean }>;
}

/**
 * Returns the shape of answers that flights carry as canonical chat items: the chat route's,
 * and the translated paths of `/v1/messages` and `/v1/responses`. Streams are scanned as
 * canonical chunks, so a stream is stored only when the scan left its text unchanged.
 */
export function chatItemShape(
  input: ChatShapeInput,
  presentation: ChatPresentation,
): AnswerShape<FlightItem> {
  const { context, record, principal, clientModel } = input;
  return {
    json(item) {
      const answer = item as ChatResponse;
      record.setUsage(answer.usage ?? undefined);
      return presentation.respond(answer);
    },
    cacheableJson: (item) => isCacheableResponse(item as ChatResponse),
    scan: (items) => scanChatStream(context, record, principal, clientModel,
      items as AsyncIterableIterator<ChatChunk>),
    format: presentation.format,
    streamHeaders: presentation.streamHeaders,
    cacheableStream: (raw, sent) => {
      const chunks = raw as ChatChunk[];
      return streamText(chunks) === streamText(sent as ChatChunk[]) && isCacheableStream(chunks);
    },
  };
}

/**
 * Runs the response pipeline on an answer object in the client's shape and builds its JSON
 * response. The answer counts as clean when the pipeline left it unchanged.
 */
export async function respondChecked(
  input: ChatShapeInput,
  answer: object,
  headers: () => Record<string, string>,
): Promise<{ response: Response; clean: boolean }> {
  input.record.capture?.response(answer);
  const unchecked = JSON.stringify(answer);
  await checkAnswer(input.context, input.record, input.principal, input.clientModel, answer);
  input.record.finish(200, null);
  const clean = JSON.stringify(answer) === unchecked;
  return { response: Response.json(answer, { headers: headers() }), clean };
}
