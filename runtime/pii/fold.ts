/**
 * Text folded for the PII engine, whose patterns match ASCII. Each character is put in NFKC
 * form, so full-width `４` and `＠` become `4` and `@` and no-break spaces become spaces.
 * Every Unicode decimal digit becomes its ASCII digit (Arabic-Indic `٤` becomes `4`), and
 * invisible characters (zero-width spaces and joiners, soft hyphens) are dropped. Case is
 * kept because access keys and tokens are case-sensitive. Each folded unit keeps the offsets
 * of the original character it came from, so spans map back to the original text.
 */
export interface PiiFoldedText {
  text: string;
  /**
   * For each UTF-16 unit of `text`, the original start offset of its character. Null when
   * the text was ASCII and folding changed nothing, so unit i came from original unit i.
   */
  starts: Uint32Array | null;
  /** For each UTF-16 unit of `text`, the original end offset of its character, or null. */
  ends: Uint32Array | null;
}

const ASCII = /^[\x00-\x7F]*$/;
/** A JSON `\uXXXX` escape or a percent-encoded ASCII byte, which hide `@` and `.` alike. */
const ESCAPE = /\\u[0-9A-Fa-f]{4}|%[0-7][0-9A-Fa-f]/;
const INVISIBLE = /^\p{Default_Ignorable_Code_Point}$/u;
const DECIMAL_DIGIT = /^\p{Nd}$/u;

/** The ASCII digit of each non-ASCII decimal digit seen so far, by code point. */
const digitCache = new Map<number, string>();

/**
 * Separators NFKC leaves alone but people use in numbers and addresses: every dash (Unicode
 * category Pd) and the minus sign become `-`, ideographic full stops become `.`.
 */
const DASH = /^[\p{Pd}\u2212]$/u;
const FULL_STOPS = new Set(["\u3002", "\uFF61", "\uFE52"]);

/**
 * The folding of each non-ASCII character seen so far. Hostile input repeats a few
 * characters millions of times, and a lookup costs far less than NFKC and the class tests.
 */
const charCache = new Map<string, string>();
const CHAR_CACHE_MAX = 4096;

/**
 * Folds `original` for PII matching. Returns null as soon as the folded text would exceed
 * `maxLength` UTF-16 units, so a text that NFKC expands (U+FDFA becomes 18 letters) cannot
 * make folding allocate without bound.
 */
export function foldForPii(original: string, maxLength = Infinity): PiiFoldedText | null {
  if (ASCII.test(original) && !ESCAPE.test(original)) {
    return original.length > maxLength ? null : { text: original, starts: null, ends: null };
  }

  let starts = new Uint32Array(Math.min(original.length, maxLength) + 1);
  let ends = new Uint32Array(starts.length);
  const pieces: string[] = [];
  let length = 0;
  let offset = 0;
  while (offset < original.length) {
    const { char, end } = nextChar(original, offset);
    const piece = foldChar(char);
    if (length + piece.length > maxLength) return null;

    if (length + piece.length > starts.length) {
      const capacity = Math.min(Math.max(starts.length * 2, length + piece.length), maxLength);
      starts = grow(starts, capacity);
      ends = grow(ends, capacity);
    }
    starts.fill(offset, length, length + piece.length);
    ends.fill(end, length, length + piece.length);
    pieces.push(piece);
    length += piece.length;
    offset = end;
  }
  return {
    text: pieces.join(""),
    starts: starts.subarray(0, length),
    ends: ends.subarray(0, length),
  };
}

/**
 * Reads the character at `offset`: a whole code point, or the character a JSON `\uXXXX`
 * escape or a percent-encoded ASCII byte stands for, so that `jane\u0040example.com` and
 * `jane%40example.com` fold to an address. Returns where it ends in the original.
 */
function nextChar(text: string, offset: number): { char: string; end: number } {
  const unit = text.charCodeAt(offset);
  if (unit === 0x5c && text[offset + 1] === "u") {
    const hex = text.slice(offset + 2, offset + 6);
    if (/^[0-9A-Fa-f]{4}$/.test(hex)) {
      return { char: String.fromCharCode(Number.parseInt(hex, 16)), end: offset + 6 };
    }
  }
  if (unit === 0x25) {
    const hex = text.slice(offset + 1, offset + 3);
    if (/^[0-7][0-9A-Fa-f]$/.test(hex)) {
      return { char: String.fromCharCode(Number.parseInt(hex, 16)), end: offset + 3 };
    }
  }
  const codePoint = text.codePointAt(offset)!;
  return { char: String.fromCodePoint(codePoint), end: offset + (codePoint > 0xffff ? 2 : 1) };
}

/** Maps folded units `start` to `end` back to the original span, inner invisibles included. */
export function originalSpan(
  view: PiiFoldedText,
  start: number,
  end: number,
): { start: number; end: number } {
  if (view.starts === null || view.ends === null) return { start, end };
  return { start: view.starts[start]!, end: view.ends[end - 1]! };
}

function foldChar(char: string): string {
  if (char.charCodeAt(0) < 0x80) return char;
  const cached = charCache.get(char);
  if (cached !== undefined) return cached;

  const piece = foldNonAscii(char);
  if (charCache.size < CHAR_CACHE_MAX) charCache.set(char, piece);
  return piece;
}

function foldNonAscii(char: string): string {
  if (INVISIBLE.test(char)) return "";
  if (DASH.test(char)) return "-";
  if (FULL_STOPS.has(char)) return ".";

  // NFKC may turn one character into several (`½` becomes `1⁄2`), so each is checked again.
  let piece = "";
  for (const part of char.normalize("NFKC")) {
    if (INVISIBLE.test(part)) continue;
    piece += part.charCodeAt(0) >= 0x80 && DECIMAL_DIGIT.test(part) ? asciiDigit(part) : part;
  }
  return piece;
}

/**
 * Returns the ASCII digit for a decimal digit of any script. Unicode encodes each script's
 * decimal digits as one run of ten code points, zero to nine. Some runs sit back to back (the
 * mathematical digits), so the value is the distance from the start of the joint run, modulo
 * ten.
 */
function asciiDigit(digit: string): string {
  const codePoint = digit.codePointAt(0)!;
  const cached = digitCache.get(codePoint);
  if (cached !== undefined) return cached;

  let first = codePoint;
  while (DECIMAL_DIGIT.test(String.fromCodePoint(first - 1))) first -= 1;
  const ascii = String((codePoint - first) % 10);
  digitCache.set(codePoint, ascii);
  return ascii;
}

function grow(array: Uint32Array, capacity: number): Uint32Array<ArrayBuffer> {
  const bigger = new Uint32Array(capacity);
  bigger.set(array);
  return bigger;
}
