package dev.advmon.cli;

/**
 * The exit statuses that --help lists, worded once: a script or supervisor reads them, so the same status says the
 * same thing in every command. Annotation values, hence constants.
 */
final class ExitStatus {

  static final String HEADING = "%nExit status:%n";

  /** What picocli's parameter handler and {@link Main#errorHandler()} return for every command. */
  static final String ERROR = "2:an error stopped it (an invalid option, a file or folder it cannot read or write, a "
      + "bundle or engine that cannot load); the error says which";

  private ExitStatus() {}
}
