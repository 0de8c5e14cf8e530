package dev.advmon.model;

/** The requested inference engine cannot run on this machine; the message says what is missing and what to do. */
public final class EngineUnavailableException extends RuntimeException {
  public EngineUnavailableException(String message) {
    super(message);
  }

  public EngineUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
