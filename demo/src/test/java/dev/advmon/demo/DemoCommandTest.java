package dev.advmon.demo;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Options are refused before anything starts (the broker, the model, Kafka Streams), naming the option. */
class DemoCommandTest {

  private static DemoCommand with(int frames, double rate, int httpPort) {
    DemoCommand c = new DemoCommand();
    c.frames = frames;
    c.cameras = 4;
    c.rate = rate;
    c.httpPort = httpPort;
    return c;
  }

  /**
   * --help read as a newcomer: the synopsis showed Java field names (--http-port=<httpPort>, --frames=<frames>), and
   * no exit status, where a script running the demo in CI needs to tell a lost frame (1) from a refused option (2).
   */
  @Test
  void helpLabelsEveryValueAndListsTheExitStatuses() {
    String help = new picocli.CommandLine(new DemoCommand()).getUsageMessage(picocli.CommandLine.Help.Ansi.OFF);
    org.assertj.core.api.Assertions.assertThat(help).doesNotContain("=<").contains("--http-port=PORT")
        .contains("Exit status:").containsPattern("\\n  1 +some frames got no outcome")
        .containsPattern("\\n  2 +an error stopped it");
  }

  /**
   * README's paragraph on exit statuses named score, run and redrive as the commands that add statuses of their own;
   * the demo adds 1 (a frame without outcome) and 130/143 (a signal), so it must be named there too.
   */
  @Test
  void readmeNamesTheDemoAmongTheCommandsWithExitStatusesOfTheirOwn() throws Exception {
    java.util.Set<String> own = new java.util.TreeSet<>(new picocli.CommandLine(new DemoCommand()).getCommandSpec()
        .usageMessage().exitCodeList().keySet().stream().map(String::strip).toList());
    own.removeAll(java.util.Set.of("0", "2"));
    org.assertj.core.api.Assertions.assertThat(own).as("the demo's own statuses").isNotEmpty();
    java.nio.file.Path readme = java.nio.file.Path.of("").toAbsolutePath();
    while (!java.nio.file.Files.exists(readme.resolve("README.md"))) {
      readme = readme.getParent();
    }
    String text = java.nio.file.Files.readString(readme.resolve("README.md"));
    int from = text.indexOf("Every command's `--help` ends with its exit statuses");
    org.assertj.core.api.Assertions.assertThat(from).isNotNegative();
    String paragraph = text.substring(from, text.indexOf("\n\n", from)).replaceAll("\\s+", " ");
    int named = paragraph.indexOf(" add their own");
    org.assertj.core.api.Assertions.assertThat(named).as(paragraph).isPositive();
    org.assertj.core.api.Assertions.assertThat(paragraph.substring(paragraph.lastIndexOf(';', named), named))
        .as(paragraph).contains("`demo`");
  }

  @Test
  void anImpossibleOptionIsRefusedNamingIt() {
    assertThatThrownBy(() -> with(100, 10, 70_000).call()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--http-port").hasMessageContaining("70000");
    assertThatThrownBy(() -> with(100, Double.NaN, 0).call()).hasMessageContaining("--rate");
    assertThatThrownBy(() -> with(100, Double.POSITIVE_INFINITY, 0).call()).hasMessageContaining("--rate");
    assertThatThrownBy(() -> with(0, 10, 0).call()).hasMessageContaining("--frames");
  }

  /**
   * `demo --cameras 0` and `demo --frames -5` both said "--frames and --cameras must be at least 1": which of the
   * two, and the value it got, were left to the user to work out. Each is named alone, with its value.
   */
  @Test
  void aFrameOrCameraCountBelowOneIsNamedAloneWithItsValue() {
    assertThatThrownBy(() -> with(-5, 10, 0).call()).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--frames must be at least 1, got -5");
    DemoCommand noCameras = with(100, 10, 0);
    noCameras.cameras = 0;
    assertThatThrownBy(noCameras::call).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--cameras must be at least 1, got 0");
    DemoCommand neither = with(0, 10, 0);
    neither.cameras = 0;
    assertThatThrownBy(neither::call).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--frames must be at least 1, got 0; --cameras must be at least 1, got 0");
  }

  @Test
  void aPortInUseIsRefusedUpFrontNamingTheDemoOption() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      assertThatThrownBy(() -> with(100, 10, port).call()).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--http-port " + port).hasMessageNotContaining("http.port");
    }
  }

  @Test
  void aModelFolderThatIsNoBundleIsRefusedBeforeAnythingStarts(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    DemoCommand c = with(100, 10, 0);
    c.model = dir.resolve("my-model");
    assertThatThrownBy(c::call).hasMessageContaining(dir.resolve("my-model").toString()).hasMessageContaining("--model");
  }

  /**
   * The demo loaded its bundle with ModelBundle.load alone: a wrong folder was refused without the setting, the value
   * given or where it came from, which every other command names (cli.BundleSetting).
   */
  @Test
  void aMissingModelFolderIsNamedAsTheOtherCommandsNameIt(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    DemoCommand c = with(100, 10, 0);
    c.model = dir.resolve("my-model");
    assertThatThrownBy(c::call).hasMessageContaining(dir.resolve("my-model") + ": model bundle folder not found")
        .hasMessageContaining("model.dir = '" + dir.resolve("my-model") + "' (from command line)")
        .hasMessageContaining("set model.dir or --model");
  }

  /**
   * {@code --summary-json} into a folder that is not there was found only when the summary was written: after the
   * whole run (30 s by default, as long as the user let it run with {@code --frames 100000}), and the summary JSON
   * was lost with a bare "(No such file or directory)".
   */
  @Test
  void aSummaryFileThatCannotBeWrittenIsRefusedBeforeAnythingStarts(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    DemoCommand c = with(1, 0, 0);
    c.summaryJson = dir.resolve("no-such-folder/summary.json");
    assertThatThrownBy(c::call).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--summary-json")
        .hasMessageContaining(dir.resolve("no-such-folder").toString());
    c.summaryJson = dir;
    assertThatThrownBy(c::call).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--summary-json")
        .hasMessageContaining("is a folder");
  }
  /**
   * {@code demo --model} with a 3x16x16 colour bundle and no {@code --images} replayed Fashion-MNIST's 1x28x28 grey
   * evaluation images (10 classes) to it, converted: every frame became grey, the tiny RGB model tied its three
   * classes on each, and the summary said "false-positive rate 100.0% of clean frames flagged", a rate of frames that
   * are not the model's. The other measuring commands refuse their Fashion-MNIST defaults for such a bundle; so does
   * the demo, before the broker starts, saying what to give.
   */
  @Test
  void aBundleOfAnotherShapeWithoutImagesIsRefusedBeforeAnythingStarts() {
    DemoCommand c = with(1, 0, 0);
    c.model = java.nio.file.Path.of("..", "stream-app", "src", "test", "resources", "models", "tiny-rgb");
    assertThatThrownBy(c::call).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("3x16x16").hasMessageContaining("1x28x28").hasMessageContaining("--images DIR")
        .hasMessageContaining("labels.csv");
  }
}
