package dev.advmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.testing.TestData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What `bench` says of the frames it measures with. */
class BenchCommandTest {

  @TempDir
  Path dir;

  /**
   * Without --images, bench scores the bundled Fashion-MNIST frames (28x28 gray) whatever the model's shape, converted
   * to it; its numbers are throughput only, and the output did not say the frames were not the model's own.
   */
  @Test
  void withoutImagesAModelOfAnotherShapeIsToldItsFramesAreConvertedFashionMnistForThroughputOnly() throws Exception {
    Path rgb = TestData.tinyRgbCopy(dir, "rgb");
    String out = bench("--model", rgb.toString());
    assertThat(out).contains("images: the bundled Fashion-MNIST evaluation subset (28x28 gray) converted to the "
        + "model's 3x16x16 input (resized from 28x28 to the model's 16x16 (width x height); gray image copied into "
        + "the model's 3 colour channels): throughput only; give --images DIR for frames of the model's own");

    assertThat(bench()).as("the bundled 28x28 gray model takes those frames as they are")
        .doesNotContain("converted", "throughput only");
  }

  private static String bench(String... model) {
    System.setProperty("advmon.home", TestData.repoRoot().toString());
    List<String> args = new java.util.ArrayList<>(List.of("bench", "--batches", "1", "--rounds", "1",
        "--round-ms", "1"));
    args.addAll(List.of(model));
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int rc;
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      rc = Main.commandLine().execute(args.toArray(String[]::new));
    } finally {
      System.setOut(original);
    }
    String out = captured.toString(StandardCharsets.UTF_8);
    assertThat(rc).as(out).isZero();
    return out;
  }
}
