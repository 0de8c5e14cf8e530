package dev.advmon.loadtest;

import java.lang.Character.UnicodeScript;
import java.util.EnumSet;
import java.util.Set;

/**
 * The zero-width non-joiner (U+200C) and joiner (U+200D) where they are part of a word as typed: in a script written
 * with them, between two of its letters or marks (Persian's non-joiner in a plural, the joiner after an Indic virama
 * that asks for a conjunct's other form). There they change how the word looks and come from the keyboard, so a
 * --camera-prefix holding one is a real name; anywhere else they show as nothing and are refused with the other
 * invisible characters.
 */
final class WordJoiners {

  /** Joining scripts (Arabic-like) and the Brahmic scripts whose virama a joiner or non-joiner may follow. */
  private static final Set<UnicodeScript> WRITTEN_WITH_JOINERS = EnumSet.of(UnicodeScript.ARABIC,
      UnicodeScript.SYRIAC, UnicodeScript.NKO, UnicodeScript.MANDAIC, UnicodeScript.MONGOLIAN,
      UnicodeScript.DEVANAGARI, UnicodeScript.BENGALI, UnicodeScript.GURMUKHI, UnicodeScript.GUJARATI,
      UnicodeScript.ORIYA, UnicodeScript.TAMIL, UnicodeScript.TELUGU, UnicodeScript.KANNADA, UnicodeScript.MALAYALAM,
      UnicodeScript.SINHALA);

  private WordJoiners() {}

  /** Whether {@code codePoints[i]} is a joiner or non-joiner between two letters or marks of such a script. */
  static boolean withinWord(int[] codePoints, int i) {
    int c = codePoints[i];
    if ((c != 0x200C && c != 0x200D) || i == 0 || i == codePoints.length - 1) {
      return false;
    }
    int before = codePoints[i - 1];
    int after = codePoints[i + 1];
    UnicodeScript script = UnicodeScript.of(before);
    return WRITTEN_WITH_JOINERS.contains(script) && UnicodeScript.of(after) == script && letterOrMark(before)
        && letterOrMark(after);
  }

  private static boolean letterOrMark(int c) {
    int type = Character.getType(c);
    return Character.isLetter(c) || type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK;
  }
}
