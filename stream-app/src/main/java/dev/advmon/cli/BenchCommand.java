package dev.advmon.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.advmon.config.MonitorConfig;
import dev.advmon.detect.FrameScorer;
import dev.advmon.image.FloatImage;
import dev.advmon.model.DjlClassifier;
import dev.advmon.model.EngineChoice;
import dev.advmon.model.FramePreparer;
import dev.advmon.model.InferenceThreads;
import dev.advmon.model.InputEncoder;
import dev.advmon.model.ModelBundle;
import dev.advmon.model.ModelManifest;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code monitor bench}: images per second through the scoring path (FrameScorer -> DJL) against a raw
 * ONNX Runtime session on the same model, batch by batch, in the same process and run. Rounds alternate
 * between the two so that machine noise hits both alike; the median round is reported.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    exitCodeListHeading = ExitStatus.HEADING,
    exitCodeList = {
        "0:every batch size was measured; the table is on stdout",
        ExitStatus.ERROR},
    description = "Benchmark the scoring path against raw ONNX Runtime (images/s per batch size).")
final class BenchCommand implements Callable<Integer> {

  @Option(names = "--model", paramLabel = "DIR", description = "Model bundle folder (default: setting model.dir, "
      + "from ADVMON_MODEL_DIR; else the bundled fashion-mnist-cnn).")
  Path model;

  @Option(names = "--batches", paramLabel = "N", split = ",", defaultValue = "1,8,32,128",
      description = "Batch sizes (default 1,8,32,128).")
  List<Integer> batches;

  @Option(names = "--rounds", paramLabel = "N", defaultValue = "7",
      description = "Measured rounds per batch size and path, the median reported (default ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--round-ms", paramLabel = "MS", defaultValue = "1000",
      description = "Length of one round in milliseconds (default ${DEFAULT-VALUE}).")
  long roundMs;

  @Option(names = "--images", paramLabel = "DIR", description = "PNG images to score, the first 256 of DIR (not its subfolders; default: the bundled evaluation subset).")
  Path images;

  @Override
  public Integer call() throws Exception {
    if (rounds < 1 || roundMs < 1) {
      throw new IllegalArgumentException("--rounds and --round-ms must be at least 1, got " + rounds + " and " + roundMs);
    }
    if (batches.isEmpty() || batches.stream().anyMatch(b -> b == null || b < 1)) {
      throw new IllegalArgumentException("--batches must be batch sizes of at least 1, got " + batches);
    }
    Map<String, String> overrides = new HashMap<>();
    if (model != null) {
      overrides.put("model.dir", model.toAbsolutePath().toString());
    }
    overrides.put("model.engine", "OnnxRuntime"); // the comparison is against raw ONNX Runtime
    MonitorConfig c = MonitorConfig.fromEnvironment(overrides, Main.home()).validated();
    ModelBundle bundle = BundleSetting.load(c);
    ModelManifest m = bundle.manifest();
    List<String> converted = new ArrayList<>();
    List<FloatImage> pool = loadImages(bundle, c, images != null ? images
        : Main.home().resolve("models/eval/fashion-mnist-test"), converted);
    InputEncoder encoder = new InputEncoder(m.input());
    System.out.printf(Locale.ROOT, "model %s, %d images, %d cores, %s %s, %d rounds x %d ms per cell%n", bundle.id(),
        pool.size(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"),
        System.getProperty("java.version"), rounds, roundMs);
    if (images == null && !converted.isEmpty()) {
      // numbers of frames the model was not made for: they time the path, but say nothing of the model's own frames
      var in = m.input();
      System.out.printf(Locale.ROOT, "images: the bundled Fashion-MNIST evaluation subset (28x28 gray) converted to "
          + "the model's %dx%dx%d input (%s): throughput only; give --images DIR for frames of the model's own%n",
          in.channels(), in.height(), in.width(), String.join("; ", converted));
    }
    System.out.println("| batch | scoring path (images/s) | raw OrtSession (images/s) | ratio |");
    System.out.println("|---:|---:|---:|---:|");
    InferenceThreads threads = InferenceThreads.defaults();
    try (DjlClassifier classifier = DjlClassifier.load(bundle, EngineChoice.ONNX_RUNTIME, threads);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = rawOptions(threads);
        OrtSession session = env.createSession(bundle.modelFile().toString(), options)) {
      FrameScorer scorer = new FrameScorer(classifier, List.of(), Integer.MAX_VALUE);
      for (int batch : batches) {
        List<FloatImage> input = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
          input.add(pool.get(i % pool.size()));
        }
        Runnable path = () -> sink(scorer.score(input).get(batch - 1).confidence());
        Runnable raw = () -> sink(rawRun(env, session, m, encoder, input));
        for (int w = 0; w < 2; w++) { // warm-up: JIT and ONNX Runtime's first-run allocations
          measure(path, batch, roundMs / 2);
          measure(raw, batch, roundMs / 2);
        }
        double[] a = new double[rounds];
        double[] b = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          a[r] = measure(path, batch, roundMs);
          b[r] = measure(raw, batch, roundMs);
        }
        double pa = median(a);
        double pb = median(b);
        System.out.printf(Locale.ROOT, "| %d | %.0f | %.0f | %.2f |%n", batch, pa, pb, pa / pb);
      }
    }
    System.out.println("checksum " + blackhole);
    return 0;
  }

  private static double blackhole;

  private static void sink(double v) {
    blackhole += v;
  }

  /**
   * The raw session with the thread counts the scoring path's session has: with ONNX Runtime's defaults (threads
   * that spin while idle) the raw side ran up to 40% slower here, and the ratio measured the settings, not DJL.
   */
  private static OrtSession.SessionOptions rawOptions(InferenceThreads threads) throws OrtException {
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(threads.intraOp());
    options.setInterOpNumThreads(threads.interOp());
    return options;
  }

  /** What a caller of ONNX Runtime alone would do: encode, one run, read the class scores. */
  private static double rawRun(OrtEnvironment env, OrtSession session, ModelManifest m, InputEncoder encoder,
      List<FloatImage> images) {
    try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(encoder.encode(images)), encoder.shape(images.size()));
        OrtSession.Result r = session.run(Map.of(m.input().name(), t))) {
      float[][] logits = (float[][]) r.get(m.outputs().logits()).orElseThrow().getValue();
      return logits[images.size() - 1][0];
    } catch (OrtException e) {
      throw new IllegalStateException(e);
    }
  }

  private static double measure(Runnable call, int batch, long ms) {
    long end = System.nanoTime() + ms * 1_000_000;
    long start = System.nanoTime();
    long images = 0;
    do {
      call.run();
      images += batch;
    } while (System.nanoTime() < end);
    return images / ((System.nanoTime() - start) / 1e9);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    java.util.Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  /** The images of {@code dir}; {@code notes} gets what preparing the first changed (FramePreparer.prepareNoting). */
  private static List<FloatImage> loadImages(ModelBundle bundle, MonitorConfig c, Path dir, List<String> notes)
      throws Exception {
    FramePreparer preparer = FramePreparer.forModel(Wiring.imageLimits(c), bundle.manifest());
    List<FloatImage> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".png")).sorted().limit(256).toList()) {
        FramePreparer.PreparedFile prepared = preparer.prepareNoting(f);
        if (out.isEmpty()) {
          notes.addAll(prepared.notes());
        }
        out.add(prepared.image());
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no PNG images in " + dir);
    }
    return out;
  }
}
