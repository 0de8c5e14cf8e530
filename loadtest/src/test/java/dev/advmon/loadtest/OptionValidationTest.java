package dev.advmon.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class OptionValidationTest {

  private static LoadTestCommand loadTest(String... args) {
    CommandLine cl = LoadTestCommand.commandLine();
    List<String> all = new ArrayList<>(List.of("--embedded", "--report", "/tmp/unused-report"));
    all.addAll(List.of(args));
    cl.parseArgs(all.toArray(String[]::new));
    return cl.getCommand();
  }

  private static BenchmarkCommand benchmark(String... args) {
    CommandLine cl = LoadTestCommand.commandLine();
    List<String> all = new ArrayList<>(List.of("benchmark", "--report", "/tmp/unused-report"));
    all.addAll(List.of(args));
    cl.parseArgs(all.toArray(String[]::new));
    return cl.getSubcommands().get("benchmark").getCommand();
  }

  /**
   * A misspelt subcommand or option given with --help ({@code ./loadtest/run benchmrk --help}) printed the load
   * tester's help and exited 0, as ./monitor did until it refused them: a script read success and the user saw no
   * word about the misspelling. It is the usage error it is without --help: named, the nearest suggested, status 2.
   */
  @Test
  void aMisspeltCommandOrOptionWithHelpIsAUsageErrorNotTheHelp() {
    for (String[] given : new String[][] {{"benchmrk", "--help", "benchmark"}, {"--embeded", "--help", "--embedded"},
        {"benchmark", "--step-second=5", "--help", "--step-seconds"}}) {
      String[] args = java.util.Arrays.copyOf(given, given.length - 1);
      String misspelt = args[0].equals("benchmark") ? "--step-second=5" : args[0];
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      CommandLine cl = LoadTestCommand.commandLine();
      cl.setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
      assertThat(cl.execute(args)).as(String.join(" ", args)).isEqualTo(2);
      assertThat(err.toString()).as(String.join(" ", args)).contains("'" + misspelt + "'")
          .contains(given[given.length - 1]);
      assertThat(out.toString()).as(String.join(" ", args)).isEmpty();
    }
  }

  @Test
  void theDefaultsAreValid() {
    assertThatCode(() -> loadTest().validate()).doesNotThrowAnyException();
    assertThatCode(() -> loadTest("--ramp", "--rate", "12.5").validate()).doesNotThrowAnyException();
    assertThatCode(() -> benchmark().validate()).doesNotThrowAnyException();
    assertThatCode(() -> benchmark("--configs", "2X1,1x2", "--latency-config", "2x1").validate())
        .doesNotThrowAnyException();
  }

  @Test
  void everyOptionWithAValueNamesWhatItTakesInTheHelp() {
    // picocli's default label is the Java field's name (--ramp-factor=<rampFactor>): a newcomer reads what to give
    CommandLine cl = LoadTestCommand.commandLine();
    for (CommandLine c : List.of(cl, cl.getSubcommands().get("benchmark"))) {
      String usage = c.getUsageMessage(CommandLine.Help.Ansi.OFF);
      assertThat(usage).as(c.getCommandName()).doesNotContain("=<");
    }
    assertThat(cl.getUsageMessage(CommandLine.Help.Ansi.OFF)).contains("--instances=N").contains("--partitions=P")
        .contains("--ramp-factor=X").contains("--ramp-steps=N");
    assertThat(cl.getSubcommands().get("benchmark").getUsageMessage(CommandLine.Help.Ansi.OFF))
        .contains("--step-seconds=S").contains("--scoring-seconds=S").contains("--cameras=N").contains("--partitions=P");
  }

  /** README lists the load test's exit statuses (1: a frame lost or seen twice); --help listed none. */
  @Test
  void bothCommandsListTheirExitStatuses() {
    CommandLine cl = LoadTestCommand.commandLine();
    for (CommandLine c : List.of(cl, cl.getSubcommands().get("benchmark"))) {
      assertThat(c.getUsageMessage(CommandLine.Help.Ansi.OFF)).as(c.getCommandName()).contains("Exit status:")
          .containsPattern("\\n  1 +a frame was lost or seen twice").containsPattern("\\n  2 +an error stopped it")
          .containsPattern("\\n  130 +stopped by Ctrl-C");
    }
  }

  /**
   * --help's examples are pasted as they stand: one picocli wrapped at 80 columns ran without its --report folder,
   * which stopped it ("--report is required"); and 'summary.md' read as 'summary.' and 'md' on two lines.
   */
  @Test
  void theHelpsExamplesAndFileNamesAreNotCutAcrossLines() {
    CommandLine cl = LoadTestCommand.commandLine();
    String usage = cl.getUsageMessage(CommandLine.Help.Ansi.OFF);
    List<String> examples = java.util.Arrays.stream(cl.getCommandSpec().usageMessage().description())
        .filter(line -> line.strip().startsWith("./loadtest/run")).toList();
    assertThat(examples).as("--help shows examples").hasSizeGreaterThanOrEqualTo(3);
    for (String example : examples) {
      assertThat(usage).as("an example whole on one line").contains(example.strip() + System.lineSeparator());
    }
    assertThat(usage).contains("report.json").contains("summary.md");
  }

  @Test
  void aRateMustBeAPositiveFiniteNumber() {
    for (String bad : List.of("NaN", "Infinity", "-Infinity", "0", "-5", "1e9")) {
      assertThatThrownBy(() -> loadTest("--rate", bad).validate()).as(bad)
          .isInstanceOf(CommandLine.ParameterException.class)
          .hasMessageContaining("--rate must be a number of frames/s above 0 and at most 100000");
    }
  }

  @Test
  void aRampStepTooShortToJudgeIsRefusedNamingTheMinimum() {
    // a 1 s step at 20 frames/s passes the judge for a monitor scoring 16 (LagJudgeTest): no sustainable rate from it
    for (String shortStep : List.of("1", "5", "9")) {
      assertThatThrownBy(() -> loadTest("--ramp", "--duration", shortStep).validate()).as(shortStep)
          .isInstanceOf(CommandLine.ParameterException.class)
          .hasMessageContaining("--duration must be at least 10 with --ramp, not " + shortStep);
    }
    assertThatCode(() -> loadTest("--ramp", "--duration", "10").validate()).doesNotThrowAnyException();
    assertThatCode(() -> loadTest("--duration", "1").validate()).as("one rate: no sustainable rate is claimed")
        .doesNotThrowAnyException();
  }

  @Test
  void loadTestOptionsOutOfRangeAreNamed() {
    assertThatThrownBy(() -> loadTest("--ramp", "--ramp-steps", "0").validate())
        .hasMessageContaining("--ramp-steps must be from 1 to 100, not 0");
    assertThatThrownBy(() -> loadTest("--ramp-factor", "NaN").validate()).hasMessageContaining("--ramp-factor");
    assertThatThrownBy(() -> loadTest("--cameras", "0").validate()).hasMessageContaining("--cameras must be from 1");
    assertThatThrownBy(() -> loadTest("--drain", "-1").validate()).hasMessageContaining("--drain must be from 1");
  }

  @Test
  void noDrainIsRefusedSinceTheFramesInFlightWouldBeCountedAsLost() {
    // --drain 0 ended every run with its last frames unanswered, counted as missing, and exit status 1
    assertThatThrownBy(() -> loadTest("--drain", "0").validate())
        .hasMessageContaining("--drain must be from 1 to 86400, not 0")
        .hasMessageContaining("frames still in flight");
  }

  @Test
  void aLoadTestsOptionsBeforeBenchmarkAreRefusedNotIgnored() {
    // "./loadtest/run --config monitor.properties benchmark --report DIR" ran the 20-minute embedded benchmark and
    // measured a monitor of its own, not the one --config names, without a word
    CommandLine cl = LoadTestCommand.commandLine();
    cl.parseArgs("--config", "/tmp/monitor.properties", "--rate", "50", "benchmark", "--report", "/tmp/unused-report");
    BenchmarkCommand b = cl.getSubcommands().get("benchmark").getCommand();
    assertThatThrownBy(b::validate).isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("--config, --rate")
        .hasMessageContaining("benchmark")
        .hasMessageContaining("./loadtest/run --config FILE --ramp");
  }

  @Test
  void benchmarkOptionsOutOfRangeAreNamed() {
    assertThatThrownBy(() -> benchmark("--cameras", "0").validate()).hasMessageContaining("--cameras must be from 1");
    assertThatThrownBy(() -> benchmark("--step-seconds", "0").validate())
        .hasMessageContaining("--step-seconds must be from 10 to 3600, not 0");
    assertThatThrownBy(() -> benchmark("--configs", "1", "--latency-config", "1").validate())
        .hasMessageContaining("--configs: '1' is not INSTANCESxTHREADS");
    assertThatThrownBy(() -> benchmark("--configs", "0x2").validate()).hasMessageContaining("'0x2'");
    assertThatThrownBy(() -> benchmark("--configs", "1x1,2x1", "--latency-config", "1x2").validate())
        .hasMessageContaining("--latency-config must be one of --configs [1x1, 2x1], not 1x2");
    assertThatThrownBy(() -> benchmark("--configs", "1x1,1X1", "--latency-config", "1x1").validate())
        .hasMessageContaining("listed twice");
  }

  @Test
  void anInvalidOptionIsAUsageErrorBeforeAnythingStarts() {
    StringWriter err = new StringWriter();
    CommandLine cl = LoadTestCommand.commandLine();
    cl.setErr(new PrintWriter(err));
    int code = cl.execute("--embedded", "--report", "/tmp/unused-report", "--rate", "Infinity");
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("--rate must be");
  }

  @Test
  void aReportFolderThatCannotBeMadeIsRefusedBeforeTheRunNotAfterIt(@TempDir Path dir) throws Exception {
    // the report is written at the end: found out only then, the whole measurement would be lost
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    // a broker where nothing listens: the run would fail on it, were the report folder not checked first
    Path config = Files.writeString(dir.resolve("monitor.properties"), "kafka.bootstrap.servers=127.0.0.1:1\n"
        + "registry.url=http://127.0.0.1:1/apis/ccompat/v7\n");
    for (Path bad : List.of(file, file.resolve("report"))) {
      StringWriter err = new StringWriter();
      CommandLine cl = LoadTestCommand.commandLine();
      cl.setErr(new PrintWriter(err));
      int code = cl.execute("--config", config.toString(), "--report", bad.toString());
      assertThat(code).as(bad.toString()).isEqualTo(2);
      assertThat(err.toString()).as(bad.toString()).contains("--report " + bad + ": ").doesNotContain("127.0.0.1:1");
    }
    Path fresh = dir.resolve("new/report");
    LoadTestCommand.prepareReportFolder(LoadTestCommand.commandLine(), fresh);
    assertThat(fresh).isDirectory();
  }

  @Test
  void aMissingConfigIsNamedFirstLeavingNoReportFolderAndNoStartLine(@TempDir Path dir) throws Exception {
    // before: the start line "against FILE ..." came first, then the error, and an empty report folder stayed
    Path report = dir.resolve("new/report");
    String printed = stderrOf(() -> {
      int code = LoadTestCommand.commandLine().execute("--config", dir.resolve("missing.properties").toString(),
          "--report", report.toString());
      assertThat(code).isEqualTo(2);
    });
    assertThat(printed).contains("missing.properties does not exist").doesNotContain("against");
    assertThat(dir.resolve("new")).doesNotExist();
  }

  @Test
  void aRunThatFailsBeforeWritingAReportLeavesNoEmptyFolder(@TempDir Path dir) throws Exception {
    // a Kafka client that cannot be built fails the run after the start line: the folder made for it went with it
    Path config = Files.writeString(dir.resolve("monitor.properties"),
        "kafka.bootstrap.servers=no-such-host.invalid:9092\n" + "registry.url=http://127.0.0.1:1/apis/ccompat/v7\n");
    Path kept = Files.createDirectories(dir.resolve("kept"));
    for (Path report : List.of(dir.resolve("new/report"), kept)) {
      String printed = stderrOf(() -> assertThat(LoadTestCommand.commandLine().execute("--config", config.toString(),
          "--report", report.toString())).isEqualTo(2));
      assertThat(printed).contains("No resolvable bootstrap urls");
    }
    assertThat(dir.resolve("new")).doesNotExist();
    assertThat(kept).isDirectory(); // the user's own folder stays, empty or not
  }

  @Test
  void aReportFolderGivenWithADotComponentIsRemovedAsWellWhenTheRunFailsEarly(@TempDir Path dir) throws Exception {
    // before: --report new/. (or new/report/.) left new/ behind: deleting "new/." fails, and the removal stopped there
    for (String given : List.of("new/.", "new/report/.", "new/./report")) {
      Path report = dir.resolve(given);
      Path made = LoadTestCommand.prepareReportFolder(LoadTestCommand.commandLine(), report);
      assertThat(report).as(given).isDirectory();
      LoadTestCommand.removeIfEmpty(report, made);
      assertThat(dir.resolve("new")).as(given).doesNotExist();
    }
  }

  /**
   * Before: --report missing/../report was refused as "the folder is not writable" (the system cannot go up from a
   * folder that is not there, so the path named no folder after creating it) and left report/ behind, made by the
   * check that refused it.
   */
  @Test
  void aReportPathThroughDotDotAfterAMissingFolderIsRefusedByItsRealProblemLeavingNothing(@TempDir Path dir)
      throws Exception {
    for (String given : List.of("missing/../report", "missing/../new/report", "new/missing/../../report")) {
      Path report = dir.resolve(given);
      assertThatThrownBy(() -> LoadTestCommand.prepareReportFolder(LoadTestCommand.commandLine(), report)).as(given)
          .isInstanceOf(CommandLine.ParameterException.class)
          .hasMessageContaining("--report " + report + ": ")
          .hasMessageContaining(dir.resolve(given.substring(0, given.indexOf("/..")))
              + " does not exist, and '..' after it needs it")
          .hasMessageNotContaining("not writable");
      try (java.util.stream.Stream<Path> left = Files.list(dir)) {
        assertThat(left.toList()).as(given + " leaves nothing").isEmpty();
      }
    }
    // through a folder that exists, '..' is fine: made, and removed again by a run that fails early
    Files.createDirectories(dir.resolve("there"));
    Path report = dir.resolve("there/../new/report");
    Path made = LoadTestCommand.prepareReportFolder(LoadTestCommand.commandLine(), report);
    assertThat(dir.resolve("new/report")).isDirectory();
    LoadTestCommand.removeIfEmpty(report, made);
    assertThat(dir.resolve("new")).doesNotExist();
    assertThat(dir.resolve("there")).isDirectory();
  }

  /**
   * Before: --report notes.txt/../report, '..' after a file, was refused as "notes.txt does not exist", sending the
   * user to look for a file that is there: the system cannot go up from a file either, and that is what to fix.
   */
  @Test
  void aReportPathThroughDotDotAfterAFileNamesTheFile(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("notes.txt"), "x");
    Path report = dir.resolve("notes.txt/../report");
    assertThatThrownBy(() -> LoadTestCommand.prepareReportFolder(LoadTestCommand.commandLine(), report))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("--report " + report + ": " + file + " is a file, not a folder, and '..' after it needs "
            + "a folder")
        .hasMessageNotContaining("does not exist");
    try (java.util.stream.Stream<Path> left = Files.list(dir)) {
      assertThat(left.toList()).containsExactly(file);
    }
  }

  /**
   * Before: every zero-width non-joiner and joiner was refused, and "type the prefix again" gave the same refusal: in
   * Persian the non-joiner is part of the spelling, typed on the keyboard (U+200C in "دوربین‌ها", cameras), and in Sinhala
   * the joiner (U+200D in "ශ්‍රී", Sri) makes a letter's conjunct form: such a name could not be a prefix at all.
   * Between Latin letters, or at the end where the camera number follows, they still show as nothing and are refused.
   */
  @Test
  void aZeroWidthJoinerOrNonJoinerInsideAWordOfAScriptWrittenWithThemIsAllowed() {
    for (String word : List.of("دوربین‌ها-",
        "ශ්‍රී-cam-", "क्‍ष-")) {
      assertThatCode(() -> loadTest("--camera-prefix", word).validate()).as(word).doesNotThrowAnyException();
    }
    for (String[] refused : List.of(
        new String[] {"cam‍era-", "U+200D ZERO WIDTH JOINER at character 4"},
        new String[] {"cam‌era-", "U+200C ZERO WIDTH NON-JOINER at character 4"},
        new String[] {"دوربین‌", "U+200C ZERO WIDTH NON-JOINER at character 7"},
        new String[] {"ن‌cam-", "U+200C ZERO WIDTH NON-JOINER at character 2"})) {
      assertThatThrownBy(() -> loadTest("--camera-prefix", refused[0]).validate()).as(refused[1])
          .hasMessageContaining("holds an invisible, blank or control character: " + refused[1]);
    }
  }

  /**
   * Before: --report naming a link whose folder is gone (a dangling symlink, e.g. to an unmounted disk) was refused,
   * and the refusal's clean-up, meant for the folders the check made, deleted the user's link: it was "not there" to
   * a check that follows links.
   */
  @Test
  void aRefusedReportPathThatIsADanglingLinkLeavesTheLink(@TempDir Path dir) throws Exception {
    Path link = Files.createSymbolicLink(dir.resolve("reports"), dir.resolve("unmounted/reports"));
    assertThatThrownBy(() -> LoadTestCommand.prepareReportFolder(LoadTestCommand.commandLine(), link))
        .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--report " + link + ": ");
    assertThat(Files.isSymbolicLink(link)).as("the user's link is still there").isTrue();
  }

  /** Before: "--report reports: cannot create it: java.nio.file.FileAlreadyExistsException: .../reports". */
  @Test
  void aReportPathThatIsADanglingLinkIsRefusedNamingWhereItPoints(@TempDir Path dir) throws Exception {
    Path target = dir.resolve("unmounted/reports");
    Path link = Files.createSymbolicLink(dir.resolve("reports"), target);
    assertThatThrownBy(() -> LoadTestCommand.prepareReportFolder(LoadTestCommand.commandLine(), link))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("--report " + link + ": it is a link to " + target + ", which is not there: create "
            + "that folder, or give --report another path")
        .hasMessageNotContaining("AlreadyExists");
  }

  /** What {@code run} printed on stderr: the start line goes to System.err, errors to the command line's err. */
  private static String stderrOf(Runnable run) {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    java.io.PrintStream before = System.err;
    System.setErr(new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      run.run();
    } finally {
      System.setErr(before);
    }
    return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static LoadTestCommand parsed(String... args) {
    CommandLine cl = LoadTestCommand.commandLine();
    cl.parseArgs(args);
    return cl.getCommand();
  }

  @Test
  void aMissingOptionIsNamedAloneNotWithTheOnesGiven() {
    assertThatThrownBy(() -> parsed("--embedded").validate())
        .hasMessage("--report DIR is required: the folder for report.json, summary.md and the plots");
    assertThatThrownBy(() -> parsed("--report", "/tmp/unused-report").validate())
        .hasMessage("say where to send frames: --embedded, or --config FILE");
  }

  @Test
  void embeddedOnlyOptionsWithConfigAreRefusedByName() {
    assertThatThrownBy(() -> parsed("--config", "m.properties", "--report", "/tmp/r", "--partitions", "3").validate())
        .hasMessageContaining("--partitions applies to --embedded only");
    assertThatThrownBy(() -> parsed("--config", "m.properties", "--report", "/tmp/r", "--instances", "2", "--set",
        "a=b").validate()).hasMessageContaining("--instances, --set apply to --embedded only");
    assertThatCode(() -> parsed("--config", "m.properties", "--report", "/tmp/r").validate())
        .doesNotThrowAnyException();
  }

  @Test
  void aCameraPrefixMustBeANonEmptyIdStartAndNamesEveryFramesCamera() {
    // the ids were always cam-01...: against a real monitor a real camera of that name shared its state with them
    assertThat(loadTest().cameraPrefix).isEqualTo("cam-");
    assertThat(Generator.cameraId(loadTest().cameraPrefix, 0)).isEqualTo("cam-01"); // BENCHMARKS runs compare
    assertThat(Generator.cameraId(loadTest("--camera-prefix", "lt-site/cam-").cameraPrefix, 11))
        .isEqualTo("lt-site/cam-12");
    assertThatCode(() -> loadTest("--camera-prefix", "loadtest-cam-").validate()).doesNotThrowAnyException();
    assertThatThrownBy(() -> loadTest("--camera-prefix", "").validate())
        .hasMessageContaining("--camera-prefix must not be empty");
    assertThatThrownBy(() -> loadTest("--camera-prefix", "load test ").validate())
        .hasMessageContaining("--camera-prefix 'load test ' holds an invisible, blank or control character");
    assertThatThrownBy(() -> loadTest("--camera-prefix", "x".repeat(251)).validate())
        .hasMessageContaining("--camera-prefix must be at most 250 characters, not 251");
    assertThat(LoadTestCommand.commandLine().getUsageMessage(CommandLine.Help.Ansi.OFF))
        .contains("--camera-prefix=PREFIX");
  }

  @Test
  void aCameraPrefixWithANoBreakSpaceOrAnUnprintableControlIsRefusedAndShownPrintably() {
    // before: load\u00A0test- (a no-break space, pasted from a document) passed as no blank; a C1 control such as
    // \u0085 (next line) was echoed raw into the refusal, where a terminal may break the line at it
    for (String blank : List.of("load\u00A0test-", "load\u202Ftest-", "load\u2007test-")) {
      assertThatThrownBy(() -> loadTest("--camera-prefix", blank).validate()).as(blank)
          .hasMessageContaining("holds an invisible, blank or control character");
    }
    assertThatThrownBy(() -> loadTest("--camera-prefix", "lt\u0085cam-").validate())
        .hasMessageContaining("--camera-prefix 'lt?cam-' holds an invisible, blank or control character");
    // the line and paragraph separators end a line too (LogText escapes them in the monitor's log): shown as '?'
    for (String separator : List.of("lt\u2028cam-", "lt\u2029cam-")) {
      assertThatThrownBy(() -> loadTest("--camera-prefix", separator).validate()).as(separator)
          .hasMessageContaining("--camera-prefix 'lt?cam-' holds an invisible, blank or control character");
    }
  }

  /**
   * Before: a zero-width space (U+200B, pasted with a prefix from a chat or a document), a byte order mark, a
   * direction override or a soft hyphen passed: the camera ids then looked like loadtest-cam-01 on every screen but
   * matched no id typed by hand (/cameras/loadtest-cam-01 found nothing), and nothing said why.
   */
  @Test
  void aCameraPrefixWithAnInvisibleCharacterIsRefusedNamingTheCharacter() {
    for (String[] invisible : List.of(
        new String[] {"load\u200Btest-", "U+200B ZERO WIDTH SPACE at character 5"},
        new String[] {"\uFEFFloadtest-", "U+FEFF ZERO WIDTH NO-BREAK SPACE at character 1"},
        new String[] {"lt\u200Dcam-", "U+200D ZERO WIDTH JOINER at character 3"},
        new String[] {"lt\u2060cam-", "U+2060 WORD JOINER at character 3"},
        new String[] {"lt\u00ADcam-", "U+00AD SOFT HYPHEN at character 3"},
        new String[] {"lt\u202Ecam-", "U+202E RIGHT-TO-LEFT OVERRIDE at character 3"},
        new String[] {"lt\u3164cam-", "U+3164 HANGUL FILLER at character 3"},
        new String[] {"lt\uFE0Fcam-", "U+FE0F VARIATION SELECTOR-16 at character 3"},
        new String[] {"lt\uE000cam-", "U+E000 (private use) at character 3"},
        new String[] {"lt\u0378cam-", "U+0378 (unassigned) at character 3"})) {
      assertThatThrownBy(() -> loadTest("--camera-prefix", invisible[0]).validate()).as(invisible[1])
          .hasMessageContaining("--camera-prefix '" + invisible[0].replaceAll("[^ -~]", "?") + "'")
          .hasMessageContaining("holds an invisible, blank or control character: " + invisible[1])
          .hasMessageNotContaining(invisible[0]); // shown as '?', not echoed invisibly
    }
    // a blank and a control are named the same way
    assertThatThrownBy(() -> loadTest("--camera-prefix", "lt\tcam-").validate())
        .hasMessageContaining("--camera-prefix 'lt?cam-' holds an invisible, blank or control character: "
            + "U+0009 CHARACTER TABULATION at character 3");
    // letters of any script and the id punctuation stay allowed
    for (String fine : List.of("kamera-\u00E9t\u00E9-", "\u30AB\u30E1\u30E9-", "lt_site.1/cam-")) {
      assertThatCode(() -> loadTest("--camera-prefix", fine).validate()).as(fine).doesNotThrowAnyException();
    }
  }

  @Test
  void theReportsSettingsNameTheCameraIds() {
    assertThat(LoadTestCommand.settings(java.util.Map.of("mode", "external"), "lt-", 4))
        .containsEntry("mode", "external").containsEntry("camera_ids", "lt-01 .. lt-04");
    assertThat(LoadTestCommand.settings(java.util.Map.of(), "cam-", 1)).containsEntry("camera_ids", "cam-01");
  }
}
