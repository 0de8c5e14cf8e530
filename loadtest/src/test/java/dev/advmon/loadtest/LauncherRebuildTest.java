package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launchers ({@code ./loadtest/run}, {@code ./monitor}) build their jar when a source is newer than it. Maven
 * leaves a module's jar as it is when that module's own classes did not change (a change in stream-app, for the load
 * tester's jar; an edit of a POM), so the jar stayed older than the source and every later run built again: 12-20 s
 * before each {@code ./loadtest/run} here. Run on a copy of each launcher, with a stand-in {@code mvn} that does what
 * Maven does then (succeeds, leaves the jar alone) and a stand-in {@code java}: one build, then none.
 */
class LauncherRebuildTest {

  @TempDir
  Path dir;

  @ParameterizedTest
  @CsvSource({"loadtest/run, loadtest/target/loadtest.jar, --version",
      "monitor, stream-app/target/stream-app.jar, --version",
      "monitor, demo/target/demo.jar, demo"})
  void aSuccessfulBuildThatLeavesTheJarAsItIsIsNotRepeatedAtTheNextRun(String launcher, String jar, String arg)
      throws Exception {
    Path home = Path.of(System.getProperty("advmon.home", "..")).toAbsolutePath().normalize();
    Path tree = Files.createDirectories(dir.resolve("home"));
    Path script = tree.resolve(launcher);
    Files.createDirectories(script.getParent());
    Files.copy(home.resolve(launcher), script, StandardCopyOption.COPY_ATTRIBUTES);
    Path built = tree.resolve(jar);
    Files.createDirectories(built.getParent());
    Files.writeString(built, "jar");
    Files.setLastModifiedTime(built, FileTime.from(Instant.now().minusSeconds(3600)));
    Path source = Files.createDirectories(tree.resolve("stream-app/src/main/java")).resolve("Changed.java");
    Files.writeString(source, "class Changed {}"); // newer than the jar: the first run must build

    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path builds = dir.resolve("builds.txt");
    executable(bin.resolve("mvn"), "#!/bin/sh\necho \"$*\" >> '" + builds + "'\nexit 0\n");
    Path jdk = Files.createDirectories(dir.resolve("jdk/bin"));
    executable(jdk.resolve("java"), "#!/bin/sh\nexit 0\n");

    for (int run = 1; run <= 2; run++) {
      ProcessBuilder pb = new ProcessBuilder(script.toString(), arg).redirectErrorStream(true)
          .redirectOutput(dir.resolve("out-" + run + ".txt").toFile());
      pb.environment().put("PATH", bin + ":/usr/bin:/bin");
      pb.environment().put("JAVA_HOME", jdk.getParent().toString());
      pb.environment().remove("ADVMON_JAVA_OPTS");
      Process p = pb.start();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s run %d ends", launcher, run).isTrue();
      assertThat(p.exitValue()).as("%s run %d: %s", launcher, run,
          Files.readString(dir.resolve("out-" + run + ".txt"))).isZero();
    }

    List<String> calls = Files.readAllLines(builds, StandardCharsets.UTF_8);
    assertThat(calls).as("%s built once, then found its jar up to date", launcher).hasSize(1);
    assertThat(Files.readString(dir.resolve("out-2.txt"))).doesNotContain("building");
    assertThat(Files.readString(built)).as("the jar Maven left is the one used").isEqualTo("jar");
  }

  /**
   * The build's class-data archive (stream-app.jsa, made at package, after the jar) records the jar's modification
   * time, and the JVM drops an archive whose jar's time changed (silently, with -Xshare:auto): a launcher that
   * touched the jar after its build threw away about 1 s of every later start. Stand-in mvn writes both as Maven does.
   */
  @org.junit.jupiter.api.Test
  void aBuildLeavesTheJarsTimeAloneSoThatItsClassArchiveIsUsed() throws Exception {
    Path home = Path.of(System.getProperty("advmon.home", "..")).toAbsolutePath().normalize();
    Path tree = Files.createDirectories(dir.resolve("home"));
    Files.copy(home.resolve("monitor"), tree.resolve("monitor"), StandardCopyOption.COPY_ATTRIBUTES);
    Path target = Files.createDirectories(tree.resolve("stream-app/target"));
    Files.writeString(Files.createDirectories(tree.resolve("stream-app/src/main/java")).resolve("Changed.java"), "");
    Path bin = Files.createDirectories(dir.resolve("bin"));
    // as Maven's package: the jar, then the archive made by a start-up on it; both an hour back so touch shows
    executable(bin.resolve("mvn"), "#!/bin/sh\nprintf jar > '" + target.resolve("stream-app.jar") + "'\n"
        + "touch -d '-1 hour' '" + target.resolve("stream-app.jar") + "'\n"
        + "printf jsa > '" + target.resolve("stream-app.jsa") + "'\n"
        + "touch -d '-59 minutes' '" + target.resolve("stream-app.jsa") + "'\nexit 0\n");
    Path jdk = Files.createDirectories(dir.resolve("jdk/bin"));
    Path args = dir.resolve("java-args.txt");
    executable(jdk.resolve("java"), "#!/bin/sh\necho \"$*\" >> '" + args + "'\nexit 0\n");

    ProcessBuilder pb = new ProcessBuilder(tree.resolve("monitor").toString(), "--version").redirectErrorStream(true)
        .redirectOutput(dir.resolve("out.txt").toFile());
    pb.environment().put("PATH", bin + ":/usr/bin:/bin");
    pb.environment().put("JAVA_HOME", jdk.getParent().toString());
    pb.environment().remove("ADVMON_JAVA_OPTS");
    Process p = pb.start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("monitor ends").isTrue();
    assertThat(p.exitValue()).as(Files.readString(dir.resolve("out.txt"))).isZero();

    assertThat(Files.getLastModifiedTime(target.resolve("stream-app.jar")).toInstant())
        .as("the jar's time as the build left it (the archive was made for that time)")
        .isBefore(Instant.now().minusSeconds(3000));
    assertThat(Files.readString(args)).as("the java command line").contains("-XX:SharedArchiveFile=");
  }

  private static void executable(Path file, String text) throws IOException {
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
