import type { HookSubject } from "../../../runtime/hooks/stage.ts";
import { collectTexts } from "../../../runtime/hooks/text-segments.ts";

/** A request-phase subject for a chat body, from key `key_1` of org `acme`. */
export function subjectOf(body: unknown, overrides: Partial<HookSubject> = {}): HookSubject {
  const json = JSON.stringify(body);
  return {
    phase: "request",
    requestId: "req_1",
    principal: { org: "acme", project: null, keyId: "key_1", ip: "203.0.113.7" },
    model: "gpt-test",
    sizeBytes: Buffer.byteLength(json),
    headers: {},
    texts: collectTexts(body),
    estimatedTokens: Math.ceil(json.length / 4),
    ...overrides,
  };
}

export function userSays(...texts: string[]): unknown {
  return { model: "gpt-test", messages: texts.map((content) => ({ role: "user", content })) };
}
