package dev.advmon.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassArchiveTest {

  private static final String MAIN = Hello.class.getName();

  @TempDir
  Path temp;

  private Path dir; // the archives'

  @org.junit.jupiter.api.BeforeEach
  void folders() {
    dir = temp.resolve("archives");
  }

  /** A child's main class: loads a few classes of the classpath, says hello, and exits or waits to be killed. */
  public static final class Hello {
    public static void main(String[] args) throws InterruptedException {
      System.out.println("hello " + new java.util.TreeMap<>(java.util.Map.of("k", "v")));
      if (args.length > 0) {
        Thread.sleep(120_000);
      }
    }
  }

  @Test
  void theFirstChildTrainsTheArchiveAndTheNextOnesUseIt() throws Exception {
    String classpath = classpath();
    ClassArchive first = ClassArchive.forJvm(dir, ChildProcess.java(), classpath, MAIN);
    assertThat(first.options()).anyMatch(o -> o.startsWith("-XX:ArchiveClassesAtExit="));
    // a second child while the first trains: no archive, and no second training of the same one
    assertThat(ClassArchive.forJvm(dir, ChildProcess.java(), classpath, MAIN).options()).isEmpty();

    Process training = start(first, classpath);
    first.publishAfterExit(training).get(60, TimeUnit.SECONDS);
    assertThat(first.archive()).isNotEmptyFile();
    try (var left = Files.list(dir)) {
      assertThat(left).containsExactly(first.archive()); // the training file was renamed, not copied
    }

    ClassArchive next = ClassArchive.forJvm(dir, ChildProcess.java(), classpath, MAIN);
    assertThat(next.archive()).isEqualTo(first.archive());
    assertThat(next.options()).contains("-XX:SharedArchiveFile=" + first.archive(), "-Xshare:auto");
    List<String> shared = run(next, classpath, "-Xlog:class+load=info");
    assertThat(shared).anyMatch(l -> l.contains(MAIN) && l.contains("shared objects file"));
  }

  @Test
  void anArchiveTheJvmRefusesOnlyCostsSpeedAndAddsNothingToTheOutput() throws Exception {
    String trainedFor = classpath();
    ClassArchive trained = ClassArchive.forJvm(dir, ChildProcess.java(), trainedFor, MAIN);
    Process training = start(trained, trainedFor);
    trained.publishAfterExit(training).get(60, TimeUnit.SECONDS);
    assertThat(trained.archive()).isNotEmptyFile();
    // the same jar under another path: the JVM refuses the archive ("shared class paths mismatch")
    String moved = Files.copy(Path.of(trainedFor), temp.resolve("moved.jar")).toString();
    ClassArchive probe = ClassArchive.forJvm(dir, ChildProcess.java(), moved, MAIN);
    Files.copy(trained.archive(), probe.archive());
    ClassArchive refused = ClassArchive.forJvm(dir, ChildProcess.java(), moved, MAIN);
    assertThat(refused.options()).contains("-XX:SharedArchiveFile=" + probe.archive());

    assertThat(run(refused, moved)).containsExactly("hello {k=v}");
  }

  @Test
  void aKilledTrainingChildLeavesNoArchiveAndTheNextChildTrainsAgain() throws Exception {
    String classpath = classpath();
    ClassArchive first = ClassArchive.forJvm(dir, ChildProcess.java(), classpath, MAIN);
    Process training = start(first, classpath, "wait");
    var published = first.publishAfterExit(training);
    training.destroyForcibly(); // kill -9: the JVM writes no archive, or half of one
    published.get(60, TimeUnit.SECONDS);
    assertThat(empty(dir)).as("the training file is removed").isTrue();

    assertThat(first.archive()).doesNotExist();
    assertThat(ClassArchive.forJvm(dir, ChildProcess.java(), classpath, MAIN).options())
        .anyMatch(o -> o.startsWith("-XX:ArchiveClassesAtExit="));
  }

  @Test
  void anotherJvmsTrainingIsLeftAloneUnlessItsClaimIsStale() throws Exception {
    String classpath = classpath();
    ClassArchive first = ClassArchive.forJvm(dir, ChildProcess.java(), classpath, MAIN);
    assertThat(first.trains()).isTrue();
    Path claim = dir.resolve(first.archive().getFileName() + ".claim");
    assertThat(claim).exists(); // what another test JVM (a failsafe fork) sees
    assertThat(ClassArchive.forJvm(dir, ChildProcess.java(), classpath, MAIN).trains()).isFalse();

    // the claiming JVM died while training 11 minutes ago: another one trains
    Files.setLastModifiedTime(claim, FileTime.from(java.time.Instant.now().minusSeconds(11 * 60)));
    ClassArchive again = ClassArchive.forJvm(dir, ChildProcess.java(), classpath, MAIN);
    assertThat(again.trains()).isTrue();
    assertThat(again.options()).anyMatch(o -> o.startsWith("-XX:ArchiveClassesAtExit="));
    assertThat(Files.getLastModifiedTime(claim).toInstant()).isAfter(java.time.Instant.now().minusSeconds(60));
  }

  @Test
  void aRebuiltClasspathEntryGetsAnArchiveOfItsOwn() throws Exception {
    String classpath = classpath();
    Path jar = Path.of(classpath);
    Path before = ClassArchive.forJvm(dir, ChildProcess.java(), classpath, MAIN).archive();
    Files.setLastModifiedTime(jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 60_000));
    Path after = ClassArchive.forJvm(dir, ChildProcess.java(), classpath, MAIN).archive();

    assertThat(after).isNotEqualTo(before); // the JVM would refuse the old one for good: its jar's time differs
  }

  /** A jar of {@link Hello} alone: the JVM archives classes of jars, not of folders. */
  private String classpath() throws IOException {
    Path jar = temp.resolve("hello.jar");
    String entry = Hello.class.getName().replace('.', '/') + ".class";
    try (InputStream in = Hello.class.getClassLoader().getResourceAsStream(entry);
        JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new JarEntry(entry));
      in.transferTo(out);
    }
    return jar.toString();
  }

  private static boolean empty(Path folder) {
    try (var files = Files.list(folder)) {
      return files.findAny().isEmpty();
    } catch (IOException e) {
      return false;
    }
  }

  private static Process start(ClassArchive archive, String classpath, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ChildProcess.java()));
    cmd.addAll(archive.options());
    cmd.addAll(List.of("-cp", classpath, MAIN));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
  }

  /** Runs a child to its end; its output lines (both streams). */
  private static List<String> run(ClassArchive archive, String classpath, String... jvmOptions) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(ChildProcess.java()));
    cmd.addAll(archive.options());
    cmd.addAll(List.of(jvmOptions));
    cmd.addAll(List.of("-cp", classpath, MAIN));
    Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(child.exitValue()).as(out).isZero();
    return out.lines().toList();
  }
}
