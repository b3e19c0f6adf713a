/**
 * Returns a prediction's output as text: LLMs return an array of text pieces that together
 * are the answer, some models a single string. Returns null for any other output (images,
 * files, objects), which a chat completion cannot carry.
 */
export function outputText(output: unknown): string | null {
  if (output === undefined || output === null) return "";
  if (typeof output === "string") return output;
  if (Array.isArray(output) && output.every((piece) => typeof piece === "string")) {
    return output.join("");
  }
  return null;
}
