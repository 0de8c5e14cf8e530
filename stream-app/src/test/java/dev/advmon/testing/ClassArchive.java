package dev.advmon.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A class-data archive (AppCDS, Java 17's dynamic archive) for the child JVMs the system tests start many times with
 * one classpath and main class (the standalone brokers: about 20 a run, each loading some 2,500 classes of Kafka,
 * Scala and their libraries that the JDK's own archive lacks). When it is missing, one JVM (of all test JVMs: a claim
 * file decides) runs with {@code -XX:ArchiveClassesAtExit} into a file of its own; once it has exited cleanly that
 * file is renamed, atomically, to the archive's name, and later JVMs map it ({@code -XX:SharedArchiveFile}).
 *
 * <p>The archive's name holds a digest of the java binary, the main class and every classpath entry with its size and
 * time, so a rebuilt jar or another JDK gets an archive of its own instead of a stale one the JVM would refuse. An
 * archive the JVM refuses anyway (corrupt, another JVM build) only costs speed: {@code -Xshare:auto} starts without
 * it, and the CDS log is off so that nothing is added to the child's output, which tests read.
 */
final class ClassArchive {

  /** A claim older than this is left over from a test JVM that died while training: taken over. */
  private static final java.time.Duration STALE_CLAIM = java.time.Duration.ofMinutes(10);

  /** Quiet: a refused archive or a class the dump skips would otherwise warn on the child's standard output. */
  private static final List<String> QUIET = List.of("-Xlog:cds*=off");

  private final Path archive;
  private final Path training; // the file a training JVM writes, null if this one does not train
  private final List<String> options;

  private ClassArchive(Path archive, Path training, List<String> options) {
    this.archive = archive;
    this.training = training;
    this.options = options;
  }

  /**
   * The archive for a JVM run as {@code java -cp classpath mainClass}, kept in {@code dir}: the options that use it
   * if it exists; those that train it if no JVM is training it now ({@link #trains()}); none otherwise.
   */
  static ClassArchive forJvm(Path dir, String java, String classpath, String mainClass) {
    Path archive = dir.resolve(mainClass + "-" + digest(java, classpath, mainClass) + ".jsa");
    if (Files.isRegularFile(archive)) {
      return new ClassArchive(archive, null, concat(List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:auto")));
    }
    if (!claim(claimOf(archive))) {
      return new ClassArchive(archive, null, List.of());
    }
    Path training = dir.resolve(archive.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
    return new ClassArchive(archive, training, concat(List.of("-XX:ArchiveClassesAtExit=" + training)));
  }

  /** Creates {@code claim} (atomic: one JVM or thread wins), or takes over a stale one; false if another holds it. */
  private static boolean claim(Path claim) {
    try {
      Files.createDirectories(claim.getParent());
      try {
        Files.createFile(claim);
        return true;
      } catch (FileAlreadyExistsException held) {
        if (Files.getLastModifiedTime(claim).toInstant().isAfter(java.time.Instant.now().minus(STALE_CLAIM))) {
          return false;
        }
        Files.deleteIfExists(claim);
        Files.createFile(claim);
        return true;
      }
    } catch (IOException e) {
      return false; // no archive: only slower
    }
  }

  private static Path claimOf(Path archive) {
    return archive.resolveSibling(archive.getFileName() + ".claim");
  }

  private static List<String> concat(List<String> options) {
    List<String> all = new java.util.ArrayList<>(options);
    all.addAll(QUIET);
    return List.copyOf(all);
  }

  /** Whether {@link #options()} train the archive: a JVM started with them should exit soon, cleanly. */
  boolean trains() {
    return training != null;
  }

  /** The JVM options to add before the main class. */
  List<String> options() {
    return options;
  }

  Path archive() {
    return archive;
  }

  /**
   * Publishes what {@code child} (started with {@link #options()}) dumps, once it has exited: a JVM writes its archive
   * on a normal exit (SIGTERM included, exit code 143), not when killed ({@code kill -9}: 137), so only the former is
   * renamed into place; otherwise the file is dropped and the next child trains again. The claim is given up either
   * way. Completes when done.
   */
  java.util.concurrent.CompletableFuture<Void> publishAfterExit(Process child) {
    return training == null ? java.util.concurrent.CompletableFuture.completedFuture(null)
        : child.onExit().thenAccept(this::publish);
  }

  private void publish(Process exited) {
    try {
      int code = exited.exitValue();
      if ((code == 0 || code == 143) && Files.size(training) > 0) {
        Files.move(training, archive, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException | RuntimeException e) {
      // no archive this time: the next child trains again
    } finally {
      release();
    }
  }

  /** Drops the training file and gives up the claim: for a training JVM that never started, too. */
  void release() {
    try {
      if (training != null) {
        Files.deleteIfExists(training);
        Files.deleteIfExists(claimOf(archive));
      }
    } catch (IOException e) {
      // a leftover file under target/ costs nothing; a claim is taken over once stale
    }
  }

  private static String digest(String java, String classpath, String mainClass) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      StringBuilder key = new StringBuilder(mainClass).append('\n').append(stamp(Path.of(java)));
      for (String entry : classpath.split(File.pathSeparator)) {
        key.append('\n').append(stamp(Path.of(entry)));
      }
      return HexFormat.of().formatHex(sha.digest(key.toString().getBytes(StandardCharsets.UTF_8)), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
  }

  /** The path with the size and time the JVM checks an archive's classpath entries against. */
  private static String stamp(Path entry) {
    try {
      return entry + " " + Files.size(entry) + " " + Files.getLastModifiedTime(entry).toMillis();
    } catch (IOException missing) {
      return entry + " -";
    }
  }
}
