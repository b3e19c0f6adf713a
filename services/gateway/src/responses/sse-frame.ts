/**
 * Event names as OpenAI and Anthropic write them (`response.output_text.delta`, `message_start`).
 * A name is written back into an `event:` line, where a line break would let the provider
 * inject events the gateway never inspected.
 */
export const EVENT_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** Frames one named server-sent event whose data is a single line of JSON text. */
export function frameNamedEvent(name: string, data: string): string {
  return `event: ${name}\ndata: ${data}\n\n`;
}
