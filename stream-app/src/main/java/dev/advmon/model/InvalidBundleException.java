package dev.advmon.model;

/** A model bundle that cannot be used; the message names the file and what is wrong with it. */
public final class InvalidBundleException extends RuntimeException {
  public InvalidBundleException(String message) {
    super(message);
  }

  public InvalidBundleException(String message, Throwable cause) {
    super(message, cause);
  }
}
