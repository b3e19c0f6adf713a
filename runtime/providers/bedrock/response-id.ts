/**
 * Converse responses carry no id, so the codec makes one in the shape of a Chat Completions id.
 * It is random, not derived from Bedrock's `x-amzn-requestid`, which the decoders never see.
 */
export function responseId(): string {
  return `chatcmpl-${crypto.randomUUID().replaceAll("-", "")}`;
}
