package dev.advmon.model;

/** A model bundle that cannot be used; the message names the file and what is wrong with it. */
public final class InvalidBundleException extends RuntimeException {
  public InvalidBundleException(String message) {
    super(message);
  }

  public InvalidBundleException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * {@code file} is not valid JSON: one line with the parser's reason and where (Jackson's own message adds a
   * second line about its source, which says nothing here), then what to do.
   */
  public static InvalidBundleException notJson(java.nio.file.Path file, java.io.IOException e, String whatToDo) {
    String why = e.getMessage();
    if (e instanceof com.fasterxml.jackson.core.JsonProcessingException j) {
      why = j.getOriginalMessage();
      if (j.getLocation() != null) {
        why += " at line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr();
      }
    }
    return new InvalidBundleException(file + ": not valid JSON (" + why + "); " + whatToDo, e);
  }
}
