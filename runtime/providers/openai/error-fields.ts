import { isRecord } from "./is-record.ts";
import { redactSecrets } from "../../errors/redact-secrets.ts";

/** The parts of an upstream error that the client-facing NexusError keeps. */
export interface UpstreamErrorFields {
  message: string | null;
  type: string | null;
  param: string | null;
  /** A string from OpenAI (`invalid_api_key`), the HTTP status from vLLM and OpenRouter. */
  code: string | number | null;
}

const MAX_TEXT_MESSAGE = 300;

/**
 * Reads the error fields from an upstream error body. Besides OpenAI's
 * `{error: {message, type, param, code}}` it accepts `{error: "text"}`, a top-level `message`
 * or `detail` (FastAPI-based servers) and a plain-text or HTML body, whose text or `<title>`
 * becomes the message.
 */
export function readErrorBody(bodyText: string): UpstreamErrorFields {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    return { message: readTextMessage(bodyText), type: null, param: null, code: null };
  }
  return readErrorPayload(parsed);
}

/** Reads the error fields from a parsed body, either the whole payload or its `error` member. */
export function readErrorPayload(payload: unknown): UpstreamErrorFields {
  const fields: UpstreamErrorFields = { message: null, type: null, param: null, code: null };
  if (!isRecord(payload)) return fields;

  const error = payload.error;
  if (typeof error === "string") return { ...fields, message: redactSecrets(error) };

  const source = isRecord(error) ? error : payload;
  const message = stringField(source, "message") ?? stringField(source, "detail");
  const code = source.code;
  return {
    message: message === null ? null : redactSecrets(message),
    type: stringField(source, "type"),
    param: stringField(source, "param"),
    code: typeof code === "string" || typeof code === "number" ? code : null,
  };
}

function stringField(source: Record<string, unknown>, name: string): string | null {
  const value = source[name];
  return typeof value === "string" && value !== "" ? value : null;
}

function readTextMessage(bodyText: string): string | null {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(bodyText)?.[1];
  const text = (title ?? bodyText.replace(/<[^>]*>/g, " ")).replace(/\s+/g, " ").trim();
  if (text === "") return null;

  const clipped = text.length > MAX_TEXT_MESSAGE ? `${text.slice(0, MAX_TEXT_MESSAGE)}…` : text;
  return redactSecrets(clipped);
}
