/**
 * Text folded for matching: compatibility forms unified (full-width letters, ligatures),
 * accents and other combining marks removed, lower case, and invisible characters (zero-width
 * spaces and joiners, soft hyphens) dropped, so `ＳＥＣ\u200BRÉT` still matches `secret`.
 * Look-alike letters of other scripts (Cyrillic `е` for Latin `e`) are not mapped. Each folded
 * character keeps the offsets of the original character it came from, so matches map back to
 * the original text.
 */
export interface FoldedText {
  text: string;
  /**
   * For each UTF-16 unit of `text`, the original start offset of its character. Null when
   * folding kept every offset (ASCII text), so that unit i came from original unit i.
   */
  starts: number[] | null;
  /** For each UTF-16 unit of `text`, the original end offset of its character, or null. */
  ends: number[] | null;
}

const COMBINING = /\p{M}/gu;
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/u;
const ASCII = /^[\x00-\x7F]*$/;

/** The last text folded: stages that fold the same text in a row share the work. */
let last: { original: string; folded: FoldedText } | null = null;

export function fold(original: string): FoldedText {
  if (last !== null && last.original === original) return last.folded;
  const folded = ASCII.test(original)
    ? { text: original.toLowerCase(), starts: null, ends: null }
    : foldUnicode(original);
  last = { original, folded };
  return folded;
}

/** Returns the original offset where folded unit `index` starts. */
export function startOf(view: FoldedText, index: number): number {
  return view.starts === null ? index : view.starts[index]!;
}

/** Returns the original offset where folded unit `index` ends. */
export function endOf(view: FoldedText, index: number): number {
  return view.ends === null ? index + 1 : view.ends[index]!;
}

function foldUnicode(original: string): FoldedText {
  const starts: number[] = [];
  const ends: number[] = [];
  let text = "";
  let offset = 0;
  for (const char of original) {
    const end = offset + char.length;
    // ASCII needs only lower-casing; the Unicode steps are for the rest.
    const piece = char.charCodeAt(0) < 0x80 ? char.toLowerCase()
      : INVISIBLE.test(char) ? ""
      : char.normalize("NFKD").replace(COMBINING, "").toLowerCase();
    for (let unit = 0; unit < piece.length; unit += 1) {
      starts.push(offset);
      ends.push(end);
    }
    text += piece;
    offset = end;
  }
  return { text, starts, ends };
}

/** Folds a word or phrase from the config the same way, for comparison with folded text. */
export function foldWord(word: string): string {
  return fold(word).text;
}
