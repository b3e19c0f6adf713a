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
  /** For each UTF-16 unit of `text`, the original start offset of its character. */
  starts: number[];
  /** For each UTF-16 unit of `text`, the original end offset of its character. */
  ends: number[];
}

const COMBINING = /\p{M}/gu;
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/u;

export function fold(original: string): FoldedText {
  const folded: FoldedText = { text: "", starts: [], ends: [] };
  let offset = 0;
  for (const char of original) {
    const end = offset + char.length;
    if (!INVISIBLE.test(char)) {
      const piece = char.normalize("NFKD").replace(COMBINING, "").toLowerCase();
      for (let unit = 0; unit < piece.length; unit += 1) {
        folded.starts.push(offset);
        folded.ends.push(end);
      }
      folded.text += piece;
    }
    offset = end;
  }
  return folded;
}

/** Folds a word or phrase from the config the same way, for comparison with folded text. */
export function foldWord(word: string): string {
  return fold(word).text;
}
