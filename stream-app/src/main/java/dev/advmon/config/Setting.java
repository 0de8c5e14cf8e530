package dev.advmon.config;

import java.util.Locale;

/**
 * One documented setting: its key in the properties file, its environment variable, its default and what it
 * does. The reference in README.md is generated from the same table ({@code ./monitor config} prints it).
 */
public record Setting(String key, String defaultValue, String doc) {

  /** ADVMON_ + the key in upper case with '.' and '-' as '_' (model.max-batch -> ADVMON_MODEL_MAX_BATCH). */
  public String envName() {
    return envNameOf(key);
  }

  public static String envNameOf(String key) {
    return "ADVMON_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }
}
