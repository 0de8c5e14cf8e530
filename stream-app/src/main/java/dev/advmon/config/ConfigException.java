package dev.advmon.config;

/** Configuration that cannot be used; the message names the setting, where its value came from and what to do. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
