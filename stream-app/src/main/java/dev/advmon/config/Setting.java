package dev.advmon.config;

import java.util.Locale;

/**
 * One documented setting: its key in the properties file, its environment variable, its default, what it does and
 * how the monitor reads its value. The reference in README.md is generated from the same table ({@code ./monitor
 * config} prints it).
 *
 * @param kind how the value is read: what {@code config --check} compares a value set with the default by. Taken from
 *     the default when not given (a whole number, a decimal, true or false, else text); a text setting whose default
 *     reads as a number (a zero-padded code, say) must name {@link Kind#TEXT}, or "7" would be marked the same as "007"
 */
public record Setting(String key, String defaultValue, String doc, Kind kind) {

  /** How a setting's value is read. */
  public enum Kind {
    WHOLE_NUMBER, DECIMAL, TRUE_FALSE, TEXT;

    /** The kind {@code defaultValue} reads as. */
    static Kind of(String defaultValue) {
      if (defaultValue.equals("true") || defaultValue.equals("false")) {
        return TRUE_FALSE;
      }
      if (defaultValue.matches("[+-]?\\d+")) {
        return WHOLE_NUMBER;
      }
      return defaultValue.matches("[+-]?\\d*\\.\\d+") ? DECIMAL : TEXT;
    }
  }

  /** A setting read as its default reads ({@link Kind#of}). */
  public Setting(String key, String defaultValue, String doc) {
    this(key, defaultValue, doc, Kind.of(defaultValue));
  }

  /** ADVMON_ + the key in upper case with '.' and '-' as '_' (model.max-batch -> ADVMON_MODEL_MAX_BATCH). */
  public String envName() {
    return envNameOf(key);
  }

  public static String envNameOf(String key) {
    return "ADVMON_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }
}
