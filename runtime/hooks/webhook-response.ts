import { Type } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import type { StageOutcome } from "./stage.ts";
import { WebhookError } from "./webhook-error.ts";

/** Maximum length of a receiver's reason, which may reach the client in a block message. */
const MAX_REASON_CHARS = 1000;

/** The only response body a sync receiver may send; any other field makes it invalid. */
const ResponseSchema = Type.Object(
  {
    verdict: Type.Union([
      Type.Literal("allow"),
      Type.Literal("flag"),
      Type.Literal("redact"),
      Type.Literal("block"),
    ]),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_REASON_CHARS })),
    edits: Type.Optional(Type.Array(
      Type.Object(
        { segment: Type.Integer({ minimum: 0 }), text: Type.String() },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    )),
  },
  { additionalProperties: false },
);

const checkResponse = TypeCompiler.Compile(ResponseSchema);

export interface ResponseContext {
  /** Number of texts the subject has; edits must refer to one of them. */
  segmentCount: number;
  /** Whether the receiver was sent the texts; without them it cannot redact. */
  textsSent: boolean;
}

/**
 * Converts a receiver's parsed JSON response into the stage's outcome. Throws WebhookError when
 * the response breaks the contract, so the stage's fail mode decides, as for a receiver that is
 * down.
 */
export function outcomeOfResponse(body: unknown, context: ResponseContext): StageOutcome {
  if (!checkResponse.Check(body)) {
    const first = checkResponse.Errors(body).First();
    const where = first?.path === undefined || first.path === "" ? "(body)" : first.path;
    throw new WebhookError(
      `returned an invalid response at ${where}: ${first?.message ?? "unexpected shape"}`,
    );
  }
  checkEdits(body.verdict, body.edits, context);

  const { verdict, reason, edits } = body;
  switch (verdict) {
    case "allow":
      return reason === undefined ? { verdict } : { verdict, reason };
    case "flag":
      return { verdict, reason: reason ?? "Flagged by the webhook." };
    case "redact":
      return { verdict, reason: reason ?? "Redacted by the webhook.", edits };
    case "block":
      return {
        verdict,
        reason: reason ?? "Blocked by the webhook.",
        status: 403,
        code: "content_blocked",
      };
  }
}

function checkEdits(
  verdict: string,
  edits: { segment: number; text: string }[] | undefined,
  context: ResponseContext,
): void {
  if (verdict !== "redact") {
    if (edits !== undefined) {
      throw new WebhookError(`returned an invalid response: edits with verdict ${verdict}`);
    }
    return;
  }
  if (edits === undefined) {
    throw new WebhookError("returned an invalid response: redact without edits");
  }
  if (!context.textsSent) {
    throw new WebhookError("returned an invalid response: redact, but it was sent no texts");
  }

  const seen = new Set<number>();
  for (const edit of edits) {
    if (edit.segment >= context.segmentCount) {
      throw new WebhookError(
        `returned an invalid response: edit of segment ${edit.segment}, ` +
          `but the body has ${context.segmentCount}`,
      );
    }
    if (seen.has(edit.segment)) {
      throw new WebhookError(`returned an invalid response: segment ${edit.segment} edited twice`);
    }
    seen.add(edit.segment);
  }
}
