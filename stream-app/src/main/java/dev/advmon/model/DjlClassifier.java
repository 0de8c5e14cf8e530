package dev.advmon.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import dev.advmon.image.FloatImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classifier through DJL (ONNX Runtime on the CPU or on a GPU through its CUDA or TensorRT execution provider, or
 * DJL's TensorRT engine): one {@code predict} per batch, never per image.
 *
 * <p>A DJL Predictor is not thread-safe, so each thread (one per Kafka Streams thread) gets its own from a
 * pool; all share the one loaded model. Nothing is static: two bundles can be loaded side by side.
 */
public final class DjlClassifier implements BatchClassifier {

  private static final Logger log = LoggerFactory.getLogger(DjlClassifier.class);

  private final ModelBundle bundle;
  private final String engine;
  private final ZooModel<NDList, NDList> model;
  private final InputEncoder encoder;
  private final ConcurrentLinkedQueue<Predictor<NDList, NDList>> idle = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Predictor<NDList, NDList>> all = new ConcurrentLinkedQueue<>();
  // calls hold the read lock, close() the write lock: native memory is never freed under a call in flight (that
  // crashed the JVM in ONNX Runtime when a SIGTERM closed the model while an inference worker still ran)
  private final ReentrantReadWriteLock inUse = new ReentrantReadWriteLock();
  private volatile boolean closed;

  private DjlClassifier(ModelBundle bundle, String engine, ZooModel<NDList, NDList> model) {
    this.bundle = bundle;
    this.engine = engine;
    this.model = model;
    this.encoder = new InputEncoder(bundle.manifest().input());
  }

  /**
   * Loads {@code bundle} on the route that {@code choice} resolves to on this machine, ONNX Runtime with one intra-op
   * thread per available processor. Under {@code auto} a GPU route that fails to load (driver, library or GPU trouble
   * that only shows when ONNX Runtime creates its session) is logged and the next route is tried; the CPU comes last.
   */
  public static DjlClassifier load(ModelBundle bundle, EngineChoice choice) {
    return load(bundle, choice, InferenceThreads.defaults());
  }

  /** As above, with ONNX Runtime's intra- and inter-op thread counts set to {@code threads}. */
  public static DjlClassifier load(ModelBundle bundle, EngineChoice choice, InferenceThreads threads) {
    return load(bundle, choice, threads, new EngineSelector(NativeEnvironment.system()));
  }

  static DjlClassifier load(ModelBundle bundle, EngineChoice choice, EngineSelector selector) {
    return load(bundle, choice, InferenceThreads.defaults(), selector);
  }

  static DjlClassifier load(ModelBundle bundle, EngineChoice choice, InferenceThreads threads, EngineSelector selector) {
    List<EngineRoute> routes = selector.candidates(choice);
    for (int i = 0; ; i++) {
      EngineRoute route = routes.get(i);
      try {
        DjlClassifier classifier = loadOn(bundle, route, choice, threads);
        log.info("model {} runs on {} (model.engine={})", bundle.id(), route.name(), choice.settingValue());
        return classifier;
      } catch (EngineUnavailableException e) {
        if (i == routes.size() - 1) {
          throw e;
        }
        log.warn("{}; trying {}", e.getMessage(), routes.get(i + 1).name());
      }
    }
  }

  private static DjlClassifier loadOn(ModelBundle bundle, EngineRoute route, EngineChoice choice,
      InferenceThreads threads) {
    EngineSelector.activate(route, choice);
    String fileName = bundle.manifest().modelFile();
    String modelName = fileName.endsWith(".onnx") ? fileName.substring(0, fileName.length() - 5) : fileName;
    Map<String, String> options = new HashMap<>(route.modelOptions());
    if (route.djlEngine().equals("OnnxRuntime")) { // OrtModel's option names
      options.put("intraOpNumThreads", Integer.toString(threads.intraOp()));
      options.put("interOpNumThreads", Integer.toString(threads.interOp()));
      log.info("ONNX Runtime: {} intra-op thread(s), {} inter-op thread(s)", threads.intraOp(), threads.interOp());
    }
    Criteria<NDList, NDList> criteria = Criteria.builder()
        .setTypes(NDList.class, NDList.class)
        .optModelPath(bundle.directory())
        .optModelName(modelName)
        .optEngine(route.djlEngine())
        .optDevice(route.gpu() ? Device.gpu() : Device.cpu())
        .optOptions(options)
        .optTranslator(new NoopTranslator())
        .build();
    DjlClassifier loaded;
    try {
      loaded = new DjlClassifier(bundle, route.name(), criteria.loadModel());
    } catch (IOException | ModelNotFoundException | MalformedModelException e) {
      if (route.gpu()) {
        // on a GPU route the session's execution provider is the usual culprit (CUDA/cuDNN/TensorRT versions, GPU
        // generation), not the bundle: the CPU route loads the same file
        throw EngineSelector.unavailable(choice, route, "could not create the model's session on the GPU: "
            + EngineSelector.rootMessage(e), e);
      }
      // DJL says only "ONNX Model cannot be loaded"; the engine's reason (an operator or opset it lacks, a truncated
      // file) is the root cause
      throw new InvalidBundleException(bundle.modelFile() + ": the " + route.name() + " engine could not load the model: "
          + e.getMessage() + " (" + EngineSelector.rootMessage(e) + "); field 'model_file' of "
          + bundle.directory().resolve(ModelBundle.MANIFEST) + " must name your classifier's ONNX export, whole and with "
          + "operators " + onnxRuntime() + " has (opset 13 is tested; "
          + ModelDocs.readme("Making a bundle of your own") + ")", e);
    } catch (RuntimeException | LinkageError e) { // native provider libraries fail with Errors or IllegalArgument
      if (!route.gpu()) {
        throw e;
      }
      throw EngineSelector.unavailable(choice, route, "could not create the model's session on the GPU: "
          + EngineSelector.rootMessage(e), e);
    }
    try {
      loaded.selfCheck();
      return loaded;
    } catch (InvalidBundleException e) {
      loaded.close();
      throw e;
    } catch (RuntimeException e) {
      loaded.close();
      throw firstCallFailed(bundle, route, choice, e);
    }
  }

  /**
   * What the load check's first call failing with {@code e} on {@code route} means. On a GPU route the execution
   * provider, most likely (under auto the CPU route checks the same bundle again); but ONNX Runtime checks the input's
   * name and shape against the graph before any provider runs, and a refusal there (INVALID_ARGUMENT) is the manifest's
   * on every route: an explicit GPU engine, which has no CPU route after it, reported it as a GPU failure.
   */
  static RuntimeException firstCallFailed(ModelBundle bundle, EngineRoute route, EngineChoice choice,
      RuntimeException e) {
    if (route.gpu() && !inputRefused(e)) {
      return EngineSelector.unavailable(choice, route, "the first inference on the GPU failed: "
          + EngineSelector.rootMessage(e), e);
    }
    if (!(e.getCause() instanceof TranslateException)) {
      // the engine took the input and the model ran; what it returned is unusable (NaN or infinite scores), which
      // no input field of the manifest explains
      return new InvalidBundleException(bundle.modelFile() + " ran on the load check's frames (mid-grey, then a grey "
          + "ramp) but its output cannot be used: " + e.getMessage() + "; no manifest field explains this: check the exported model", e);
    }
    ModelManifest.InputSpec in = bundle.manifest().input();
    String refused = oneLine(e);
    return new InvalidBundleException(bundle.directory().resolve(ModelBundle.MANIFEST) + ": " + bundle.modelFile()
        + " refused an input shaped as field 'input' describes it (name '" + in.name() + "', " + in.layout() + ", "
        + in.channels() + " channel(s), " + in.height() + "x" + in.width() + "): " + refused
        + "; set input.name, channels, height, width and layout to the model's own input"
        + DeclaredInputs.of(bundle.modelFile())
        // this is the load check's first call, a batch of 1 (a refused batch of 2 is said in selfCheck): only a
        // refused index 0, a batch axis fixed at another size, calls for a dynamic one, and that advice beside
        // every other refusal sent users after the wrong fix
        + (refused.contains("index: 0 ") ? " (and export the model with a dynamic batch axis: index 0 is the batch)"
            : ""), e);
  }

  /** Whether ONNX Runtime refused the call's input itself (its name, rank or shape), before running the model. */
  private static boolean inputRefused(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof ai.onnxruntime.OrtException o
          && o.getCode() == ai.onnxruntime.OrtException.OrtErrorCode.ORT_INVALID_ARGUMENT) {
        return true;
      }
    }
    return false;
  }

  /**
   * One mid-grey frame through the model at load, so that a manifest that disagrees with model.onnx fails here,
   * naming the field, instead of on the first frame or, worse, not at all: a labels list of the wrong length would
   * shift every label, and logits declared as probabilities would read as confidences above 1.
   */
  private void selfCheck() {
    ModelManifest m = bundle.manifest();
    ModelManifest.InputSpec in = m.input();
    float[] grey = new float[in.channels() * in.height() * in.width()];
    java.util.Arrays.fill(grey, 0.5f);
    FloatImage greyFrame = new FloatImage(in.channels(), in.height(), in.width(), grey);
    BatchOutput o = classify(List.of(greyFrame));
    java.nio.file.Path manifest = bundle.directory().resolve(ModelBundle.MANIFEST);
    // every frame goes into one call with its probes (and the batcher joins frames), so a model exported without a
    // dynamic batch axis takes this one frame and then fails on every frame the monitor scores
    float[] ramp = new float[grey.length];
    for (int i = 0; i < ramp.length; i++) {
      ramp[i] = 0.25f + 0.5f * (i % in.width()) / Math.max(1, in.width() - 1);
    }
    BatchOutput two;
    try {
      // the scores as the model gives them, for the check of outputs.kind below
      two = run(List.of(greyFrame, new FloatImage(in.channels(), in.height(), in.width(), ramp)), true);
    } catch (IllegalStateException e) {
      if (!(e.getCause() instanceof TranslateException)) { // not the engine refusing the call: NaN scores, say
        throw e;
      }
      throw new InvalidBundleException(bundle.modelFile() + " takes one frame but refused a batch of 2 ("
          + oneLine(e) + "): the monitor scores each frame together with its probes in one call; "
          + "export the model with a dynamic batch axis (torch.onnx.export's dynamic_axes, "
          + ModelDocs.readme() + ")", e);
    }
    if (o.numClasses() != m.labels().size()) {
      throw new InvalidBundleException(manifest + ": field 'labels' names " + m.labels().size() + " classes, but output '"
          + m.outputs().logits() + "' gives " + o.numClasses() + " values per image; list one label per model output, "
          + "in the model's order (and check outputs.logits)");
    }
    checkWidth(manifest, "outputs.features", m.outputs().features(), o.featureDim());
    for (int l = 0; l < o.layerCount(); l++) {
      checkWidth(manifest, "outputs.layers", m.outputs().layers().get(l), o.layer(0, l).length);
    }
    if (m.outputs().probabilities()) {
      double sum = 0;
      boolean inRange = true;
      for (int k = 0; k < o.numClasses(); k++) {
        float p = o.probability(0, k);
        sum += p;
        inRange &= p >= 0 && p <= 1;
      }
      if (!inRange || Math.abs(sum - 1) > 0.01) {
        throw new InvalidBundleException(manifest + ": field 'outputs.kind' is probabilities, but output '"
            + m.outputs().logits() + "' gives values summing to " + (float) sum + " on a grey frame; set kind to "
            + "logits (the monitor applies softmax) unless the model ends in a softmax");
      }
    } else if (looksLikeProbabilities(two.probabilities(0)) && looksLikeProbabilities(two.probabilities(1))) {
      // a softmax over probabilities squeezes them towards uniform (0.9995 of 3 classes read as 0.58): every
      // confidence, and every detector that compares one with its calibrated level, would be off
      throw new InvalidBundleException(manifest + ": field 'outputs.kind' is logits, but output '" + m.outputs().logits()
          + "' already gives probabilities (values from 0 to 1 summing to 1 on two different frames); set kind to "
          + "probabilities, as for a model that ends in a softmax");
    } else if (looksLikeSigmoid(two.probabilities(0)) && looksLikeSigmoid(two.probabilities(1))) {
      // a multi-label model's sigmoid scores go through the same softmax, squeezed towards uniform (3 x 0.993 read
      // as 0.33 each), and neither check above sees them: they are no distribution. A warning, not a refusal: logits
      // that happen to lie strictly between 0 and 1 on both test frames are possible, if unlikely in a trained model
      log.warn("{}: field 'outputs.kind' is logits, but output '{}' gives values strictly between 0 and 1 that do not "
          + "sum to 1 on two different frames ({} and {}), as a model that ends in a sigmoid (multi-label) does; the "
          + "monitor applies softmax to them, which squeezes every confidence towards 1/{}. If the model ends in a "
          + "sigmoid, set outputs.logits to the output before the sigmoid (its class order is the same), kind logits; "
          + "if these are really its logits, ignore this ({})",
          manifest, m.outputs().logits(), java.util.Arrays.toString(two.probabilities(0)),
          java.util.Arrays.toString(two.probabilities(1)), o.numClasses(),
          ModelDocs.readme("Making a bundle of your own"));
    }
  }

  /**
   * The engine's reason on one line: ONNX Runtime puts each refused index on a line of its own, and the lines after
   * the first carry no timestamp in a plain log, the error's advice coming after a bare "Please fix ..." line.
   */
  private static String oneLine(Throwable e) {
    return EngineSelector.rootMessage(e).strip().replaceAll("\\s*\\R\\s*", "; ");
  }

  /** Scores as a sigmoid gives them: each strictly between 0 and 1, not summing to 1 (see selfCheck). */
  private static boolean looksLikeSigmoid(float[] scores) {
    double sum = 0;
    for (float v : scores) {
      if (!(v > 0 && v < 1)) {
        return false;
      }
      sum += v;
    }
    return Math.abs(sum - 1) >= 1e-3;
  }

  /**
   * The widest feature or layer-statistics vector the feature-space detectors take. Calibration fits a D x D
   * covariance and inverts it (D^3 steps), and calibration.json stores its D x D inverse: at 4,096 (a VGG's fc
   * layer) that is 64 MB of floats and about a minute; an unpooled convolution map (25,088 for VGG's last one) would
   * be 2.5 GB and hours, ending in an OutOfMemoryError.
   */
  static final int MAX_FEATURE_WIDTH = 4096;

  static void checkWidth(java.nio.file.Path manifest, String field, String output, int width) {
    if (output != null && width > MAX_FEATURE_WIDTH) {
      throw new InvalidBundleException(manifest + ": field '" + field + "' names output '" + output + "', which gives "
          + width + " values per image; the feature-space detectors take at most " + MAX_FEATURE_WIDTH + " (they fit a "
          + "covariance of width x width): point it at a pooled layer (the penultimate layer after global pooling), "
          + "or leave it out");
    }
  }

  private static boolean looksLikeProbabilities(float[] scores) {
    double sum = 0;
    for (float v : scores) {
      if (!(v >= 0 && v <= 1)) {
        return false;
      }
      sum += v;
    }
    return Math.abs(sum - 1) < 1e-3;
  }

  @Override
  public ModelManifest manifest() {
    return bundle.manifest();
  }

  public ModelBundle bundle() {
    return bundle;
  }

  @Override
  public String engineName() {
    return engine;
  }

  @Override
  public BatchOutput classify(List<FloatImage> images) {
    if (images.isEmpty()) {
      throw new IllegalArgumentException("empty batch");
    }
    inUse.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("classifier for " + bundle.id() + " is closed");
      }
      return run(images, bundle.manifest().outputs().probabilities());
    } finally {
      inUse.readLock().unlock();
    }
  }

  /** {@code scoresAreProbabilities}: take the scores as they come (true) or apply softmax to them (false). */
  private BatchOutput run(List<FloatImage> images, boolean scoresAreProbabilities) {
    ModelManifest m = bundle.manifest();
    float[] buffer = encoder.encode(images);
    Predictor<NDList, NDList> predictor = borrow();
    try (NDManager manager = model.getNDManager().newSubManager()) {
      NDArray input = manager.create(buffer, new Shape(encoder.shape(images.size())));
      input.setName(m.input().name());
      NDList out = predictor.predict(new NDList(input));
      NDArray scores = pick(out, "outputs.logits", m.outputs().logits(), 0);
      float[] features = null;
      if (m.outputs().features() != null) {
        features = pick(out, "outputs.features", m.outputs().features(), 1).toFloatArray();
      }
      BatchOutput result = BatchOutput.fromModel(images.size(), scores.toFloatArray(), scoresAreProbabilities, features);
      if (m.outputs().adversarial() != null) {
        result = result.withAdversarial(pick(out, "outputs.adversarial", m.outputs().adversarial(), 2).toFloatArray());
      }
      if (!m.outputs().layers().isEmpty()) {
        List<float[]> stats = new ArrayList<>(m.outputs().layers().size());
        for (String name : m.outputs().layers()) {
          stats.add(pick(out, "outputs.layers", name, Integer.MAX_VALUE).toFloatArray()); // by name only: no position to fall back on
        }
        result = result.withLayers(stats);
      }
      return result;
    } catch (TranslateException e) {
      throw new IllegalStateException("inference failed for " + bundle.id() + " on " + engine + ": " + e.getMessage(), e);
    } finally {
      idle.add(predictor);
    }
  }

  private NDArray pick(NDList out, String field, String name, int fallbackIndex) {
    NDArray named = out.get(name);
    if (named != null) {
      return named;
    }
    List<String> names = out.stream().map(NDArray::getName).filter(n -> n != null && !n.isEmpty()).toList();
    if (names.isEmpty() && out.size() > fallbackIndex) {
      return out.get(fallbackIndex); // an engine that does not name its outputs: the manifest's order
    }
    // where the engine names its outputs a missing name is a manifest error: falling back on a position would read
    // another output (a misspelt outputs.adversarial read the features as the head and flagged every frame)
    throw new InvalidBundleException(bundle.directory().resolve(ModelBundle.MANIFEST) + ": field '" + field
        + "' names output '" + name + "', which the model does not produce (" + (names.isEmpty() ? "it returned "
        + out.size() + " outputs" : "its outputs are " + names) + "); set it to one of them");
  }

  private Predictor<NDList, NDList> borrow() {
    Predictor<NDList, NDList> p = idle.poll();
    if (p == null) {
      p = model.newPredictor();
      all.add(p);
    }
    return p;
  }

  /**
   * Waits (up to 30 s, also when interrupted) for the calls in flight, then frees the model; later calls throw. If a
   * call does not finish in time the native memory is left to the exiting process rather than freed under it.
   */
  @Override
  public void close() {
    closed = true;
    if (!acquireForClose(TimeUnit.SECONDS.toNanos(30))) {
      log.error("model {} not closed: a call on {} did not finish within 30 s", bundle.id(), engine);
      return;
    }
    try {
      all.forEach(Predictor::close);
      model.close();
    } finally {
      inUse.writeLock().unlock();
    }
  }

  private boolean acquireForClose(long timeoutNanos) {
    long deadline = System.nanoTime() + timeoutNanos;
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return inUse.writeLock().tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          interrupted = true; // a shutdown interrupts; the wait for the calls in flight must go on
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * "ONNX Runtime" and the version of the one on the classpath (its jar's manifest; the GPU build is another version
   * than the CPU one), where a fixed "1.21" in the text would go stale; without a version where the jar has none.
   */
  static String onnxRuntime() {
    String version = versionOf(ai.onnxruntime.OrtEnvironment.class);
    return version == null ? "this ONNX Runtime" : "ONNX Runtime " + version;
  }

  /** The Implementation-Version of the jar (or folder) {@code c} was loaded from; null where it gives none. */
  static String versionOf(Class<?> c) {
    Package p = c.getPackage();
    if (p != null && p.getImplementationVersion() != null) {
      return p.getImplementationVersion();
    }
    // the container images put ONNX Runtime's classes on the classpath as a folder (deploy/pom.xml unpacks the jar
    // without its natives), and the JVM reads no manifest for a folder's classes: read the folder's own
    try {
      java.security.CodeSource source = c.getProtectionDomain().getCodeSource();
      if (source == null || source.getLocation() == null || !"file".equals(source.getLocation().getProtocol())) {
        return null;
      }
      java.nio.file.Path manifest = java.nio.file.Path.of(source.getLocation().toURI()).resolve("META-INF/MANIFEST.MF");
      if (!java.nio.file.Files.isRegularFile(manifest)) {
        return null;
      }
      try (java.io.InputStream in = java.nio.file.Files.newInputStream(manifest)) {
        return new java.util.jar.Manifest(in).getMainAttributes().getValue("Implementation-Version");
      }
    } catch (IOException | java.net.URISyntaxException | RuntimeException e) {
      return null; // only the wording of an error message depends on it
    }
  }
}
