package dev.advmon.demo;

import dev.advmon.cli.BundleSetting;
import dev.advmon.cli.Main;
import dev.advmon.logging.JsonLinesStream;
import dev.advmon.model.ModelBundle;
import dev.advmon.model.ModelManifest;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code monitor demo}: everything in one process (Kafka broker, schema registry in memory, the monitor with
 * the bundled model) and cameras replayed from the evaluation images. Ctrl-C stops the replay, prints the
 * summary of what came back so far and shuts everything down.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "One-command demo: in-process Kafka, the monitor with the bundled model, "
    + "replayed cameras with a labelled mix of clean, attacked and malformed frames, then a summary.",
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
        "0:every frame came back as a verdict or a dead letter; the summary is on stdout",
        "1:some frames got no outcome, no verdict and no dead letter, by the end (the summary's 'without outcome' "
            + "counts them)",
        "2:an error stopped it (an invalid option, a port in use, a bundle that cannot load); the error says which",
        // as run's: once the JVM has the signal its status is 128 + the signal's number, whatever call() returns
        "130:stopped by Ctrl-C (143: by SIGTERM), after printing the summary of what came back so far"})
public final class DemoCommand implements Callable<Integer> {

  @Option(names = "--frames", paramLabel = "N", defaultValue = "2000",
      description = "Frames to send over all cameras (default ${DEFAULT-VALUE}).")
  int frames;

  @Option(names = "--cameras", paramLabel = "N", defaultValue = "4",
      description = "Cameras; the last one is stickered when there are two or more (default ${DEFAULT-VALUE}).")
  int cameras;

  @Option(names = "--rate", paramLabel = "FPS", defaultValue = "100",
      description = "Frames per second over all cameras; 0 = as fast as possible (default ${DEFAULT-VALUE}: about "
      + "what the monitor keeps up with on 2 otherwise idle cores; on a busy machine give less, or the latency "
      + "includes a backlog).")
  double rate;

  @Option(names = "--seed", paramLabel = "SEED", defaultValue = "42",
      description = "Seed of the replay plan and the perturbations (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--images", paramLabel = "DIR", description = "Evaluation images with labels.csv (default: "
      + "models/eval/fashion-mnist-test, 1x28x28 grey: a model of another size or colour must name its own).")
  Path images;

  @Option(names = "--model", paramLabel = "DIR", description = "Model bundle folder (model.onnx + manifest.json [+ calibration.json]) "
      + "instead of model.dir (default: the bundled model). The replayed attacks were made for the bundled model: "
      + "with another, the summary counts what is flagged of them but gives no detection rate.")
  Path model;

  @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "8080",
      description = "Port of the dashboard, /metrics, /cameras and /health; 0 = off (default ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(names = "--summary-json", paramLabel = "FILE", description = "Also write the summary as JSON to FILE.")
  Path summaryJson;

  @Option(names = "--no-dashboard", description = "Do not serve the operator dashboard at / (the other endpoints stay).")
  boolean noDashboard;

  /**
   * The default images, Fashion-MNIST's evaluation subset, are 1x28x28 grey with 10 classes: replayed to a bundle
   * of another geometry they are converted (a colour model sees grey frames), and the summary's false-positive rate
   * is then one of frames that are not the model's (a tiny RGB model flagged 100% of them). As calibrate and evaluate
   * refuse their Fashion-MNIST defaults for such a bundle, the demo asks for its own images before anything starts.
   */
  private void requireImagesFor(ModelBundle bundle) {
    ModelManifest.InputSpec in = bundle.manifest().input();
    if (images != null || (in.channels() == 1 && in.height() == 28 && in.width() == 28)) {
      return;
    }
    throw new IllegalArgumentException(bundle.directory().resolve(ModelBundle.MANIFEST) + " takes " + in.channels()
        + "x" + in.height() + "x" + in.width() + " frames, but the demo's default images"
        + " (models/eval/fashion-mnist-test) are 1x28x28 grayscale Fashion-MNIST: pass --images DIR with the"
        + " model's own labelled PNGs (labels.csv, columns file,label, the label a class index counted from 0 in the"
        + " order of the manifest's labels)");
  }

  @Override
  public Integer call() throws Exception {
    // checked before the broker, the model and Kafka Streams start (a bad port used to fail 10 s in)
    // each named with its value ("--frames and --cameras must be at least 1" left the user to find which), and both
    // at once where both are wrong (one at a time took two runs)
    List<String> belowOne = new java.util.ArrayList<>(2);
    if (frames < 1) {
      belowOne.add("--frames must be at least 1, got " + frames);
    }
    if (cameras < 1) {
      belowOne.add("--cameras must be at least 1, got " + cameras);
    }
    if (!belowOne.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", belowOne));
    }
    if (!(rate >= 0) || Double.isInfinite(rate)) {
      throw new IllegalArgumentException("--rate must be a number of frames per second, 0 or more (0 = as fast as "
          + "possible), got " + rate);
    }
    if (httpPort < 0 || httpPort > 65_535) {
      throw new IllegalArgumentException("--http-port must be 0 (off) to 65535, got " + httpPort);
    }
    requireFree(httpPort);
    if (summaryJson != null) {
      requireWritable(summaryJson);
    }
    Path home = Main.home();
    // a wrong folder (--model, or ADVMON_MODEL_DIR) is named now, not after the broker has started, and as every
    // command of the monitor names it: the value, where it came from, what a relative one resolves against
    ModelBundle bundle = BundleSetting.checkBeforeStart(model != null
        ? Map.of("model.dir", model.toAbsolutePath().toString()) : Map.of(), home);
    requireImagesFor(bundle);
    // the progress lines: a log line each (JSON in json mode, as the log around them); stdout is the command's output
    PrintStream err = JsonLinesStream.of(System.err, Demo.class.getName());
    Demo demo = new Demo(new Demo.Options(frames, cameras, rate, httpPort,
        images != null ? images : home.resolve("models/eval/fashion-mnist-test"), seed, !noDashboard, model), home, System.out, err);
    CountDownLatch finished = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      err.println("demo: stopping (signal received) ...");
      demo.stop();
      try {
        finished.await(45, TimeUnit.SECONDS); // let the run close the broker and the model
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "advmon-demo-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      DemoSummary summary = demo.run();
      System.out.print(summary.table());
      if (summaryJson != null) {
        summary.writeJson(summaryJson);
        err.println("demo: summary written to " + summaryJson);
      }
      return summary.withoutOutcome() == 0 || summary.interrupted() ? 0 : 1;
    } catch (Demo.StoppedWhileStarting e) {
      err.println("demo: " + e.getMessage());
      return 0; // as a stop later on (the JVM exits with 128 + the signal's number)
    } finally {
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // already shutting down (Ctrl-C): the hook is running
      }
    }
  }

  /**
   * The summary is written at the end of the run, which may be long: a file that cannot be written there is found
   * now, not after the run, when its summary would be lost.
   */
  static void requireWritable(Path file) {
    Path absolute = file.toAbsolutePath();
    Path folder = absolute.getParent();
    if (java.nio.file.Files.isDirectory(absolute)) {
      throw new IllegalArgumentException("--summary-json " + file + " is a folder: give the file to write, for example "
          + absolute.resolve("summary.json"));
    }
    if (folder != null && !java.nio.file.Files.isDirectory(folder)) {
      throw new IllegalArgumentException("--summary-json " + file + ": no such folder " + folder
          + "; create it or check the path");
    }
    if (folder != null && !java.nio.file.Files.isWritable(folder)) {
      throw new IllegalArgumentException("--summary-json " + file + ": the folder " + folder + " is not writable");
    }
  }

  /**
   * The HTTP port is bound only once the broker, the model and Kafka Streams are up (10 s or more); a port in use
   * is found now, and named by this command's option, not by the monitor's http.port setting.
   */
  static void requireFree(int port) {
    if (port == 0) {
      return;
    }
    try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
      probe.bind(new java.net.InetSocketAddress("127.0.0.1", port));
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("--http-port " + port + " cannot be used (" + e.getMessage() + "): stop what "
          + "listens on it, choose another --http-port, or 0 to turn HTTP off");
    }
  }
}
