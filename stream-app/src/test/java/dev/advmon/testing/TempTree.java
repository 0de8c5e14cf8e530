package dev.advmon.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Removes a system test's scratch folder (broker logs, Streams state, a browser profile: tens of MB a run) once
 * everything writing to it has stopped. Best effort: a file a dying child process still holds is reported, not
 * failed on, because the test's verdict does not depend on it.
 */
public final class TempTree {

  private TempTree() {
  }

  /** Deletes {@code root} and everything under it; returns how many entries could not be deleted (0 normally). */
  public static int delete(Path root) {
    if (root == null || !Files.exists(root)) {
      return 0;
    }
    int left = 0;
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        try {
          Files.deleteIfExists(p);
        } catch (NoSuchFileException gone) {
          // removed meanwhile by its owner: fine
        } catch (IOException e) {
          left++;
        }
      }
    } catch (IOException | UncheckedIOException e) {
      left++;
    }
    if (left > 0) {
      System.err.println("Could not remove " + left + " entries under " + root + "; delete it by hand.");
    }
    return left;
  }
}
