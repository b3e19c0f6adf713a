/**
 * Deterministic chat-like prompts: English filler with one PII item or secret about every
 * `spacing` bytes, drawn in turn from `ITEMS`. ASCII only, so bytes equal string length.
 */
const WORDS = (
  "the a of to and in is it you that he was for on are with as I his they be at one have this " +
  "from or had by word but what some we can out other were all there when up use your how " +
  "said an each she which do their time if will way about many then them write would like so " +
  "these her long make thing see him two has look more day could go come did number sound no " +
  "most people my over know water than call first who may down side been now find please review"
).split(" ");

const ITEMS = [
  "jane.doe@example.com",
  "+1 (415) 555-2671",
  "4111 1111 1111 1111",
  "GB82 WEST 1234 5698 7654 32",
  "123-45-6789",
  "10.24.0.17",
  "2001:db8::8a2e:370:7334",
  "AKIAIOSFODNN7EXAMPLE",
  "sk-proj-4f9XkQ2mZr7LbN1vT8yW3cHs",
  "Bearer abc123def456ghi789jkl",
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
  "call me on 020 7946 0958",
];

/** Mulberry32: a small seeded PRNG, so every run scans the same text. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Builds a prompt of exactly `bytes` bytes; `spacing` 0 gives text with no PII. */
export function makePrompt(bytes: number, spacing: number, seed = 1): string {
  const next = random(seed);
  const parts: string[] = [];
  let length = 0;
  let sinceItem = spacing / 2;
  let item = 0;
  while (length < bytes) {
    let piece: string;
    if (spacing > 0 && sinceItem >= spacing) {
      piece = ` ${ITEMS[item++ % ITEMS.length]} `;
      sinceItem = 0;
    } else {
      piece = WORDS[Math.floor(next() * WORDS.length)]! + (next() < 0.08 ? ". " : " ");
      sinceItem += piece.length;
    }
    parts.push(piece);
    length += piece.length;
  }
  return parts.join("").slice(0, bytes);
}
