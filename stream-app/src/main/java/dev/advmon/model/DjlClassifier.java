package dev.advmon.model;

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
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The classifier through DJL (ONNX Runtime or TensorRT): one {@code predict} per batch, never per image.
 *
 * <p>A DJL Predictor is not thread-safe, so each thread (one per Kafka Streams thread) gets its own from a
 * pool; all share the one loaded model. Nothing is static: two bundles can be loaded side by side.
 */
public final class DjlClassifier implements BatchClassifier {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(DjlClassifier.class);

  private final ModelBundle bundle;
  private final String engine;
  private final ZooModel<NDList, NDList> model;
  private final InputEncoder encoder;
  private final ConcurrentLinkedQueue<Predictor<NDList, NDList>> idle = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Predictor<NDList, NDList>> all = new ConcurrentLinkedQueue<>();
  private volatile boolean closed;

  private DjlClassifier(ModelBundle bundle, String engine, ZooModel<NDList, NDList> model) {
    this.bundle = bundle;
    this.engine = engine;
    this.model = model;
    this.encoder = new InputEncoder(bundle.manifest().input());
  }

  /** Loads {@code bundle} on the engine that {@code choice} resolves to on this machine, with default threads. */
  public static DjlClassifier load(ModelBundle bundle, EngineChoice choice) {
    return load(bundle, choice, InferenceThreads.defaults());
  }

  /** As above, with ONNX Runtime's intra- and inter-op thread counts set to {@code threads}. */
  public static DjlClassifier load(ModelBundle bundle, EngineChoice choice, InferenceThreads threads) {
    String engine = new EngineSelector(NativeEnvironment.system()).select(choice);
    String fileName = bundle.manifest().modelFile();
    String modelName = fileName.endsWith(".onnx") ? fileName.substring(0, fileName.length() - 5) : fileName;
    Criteria.Builder<NDList, NDList> builder = Criteria.builder()
        .setTypes(NDList.class, NDList.class)
        .optModelPath(bundle.directory())
        .optModelName(modelName)
        .optEngine(engine)
        .optTranslator(new NoopTranslator());
    if (engine.startsWith("OnnxRuntime")) { // OrtModel's option names
      builder.optOption("intraOpNumThreads", Integer.toString(threads.intraOp()))
          .optOption("interOpNumThreads", Integer.toString(threads.interOp()));
      log.info("ONNX Runtime: {} intra-op thread(s), {} inter-op thread(s)", threads.intraOp(), threads.interOp());
    }
    Criteria<NDList, NDList> criteria = builder.build();
    try {
      return new DjlClassifier(bundle, engine, criteria.loadModel());
    } catch (IOException | ModelNotFoundException | MalformedModelException e) {
      throw new InvalidBundleException(bundle.modelFile() + ": the " + engine + " engine could not load the model: "
          + e.getMessage(), e);
    }
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
    if (closed) {
      throw new IllegalStateException("classifier for " + bundle.id() + " is closed");
    }
    if (images.isEmpty()) {
      throw new IllegalArgumentException("empty batch");
    }
    ModelManifest m = bundle.manifest();
    float[] buffer = encoder.encode(images);
    Predictor<NDList, NDList> predictor = borrow();
    try (NDManager manager = model.getNDManager().newSubManager()) {
      NDArray input = manager.create(buffer, new Shape(encoder.shape(images.size())));
      input.setName(m.input().name());
      NDList out = predictor.predict(new NDList(input));
      NDArray scores = pick(out, m.outputs().logits(), 0);
      float[] features = null;
      if (m.outputs().features() != null) {
        features = pick(out, m.outputs().features(), 1).toFloatArray();
      }
      BatchOutput result = BatchOutput.fromModel(images.size(), scores.toFloatArray(), m.outputs().probabilities(), features);
      if (m.outputs().adversarial() != null) {
        result = result.withAdversarial(pick(out, m.outputs().adversarial(), 2).toFloatArray());
      }
      return result;
    } catch (TranslateException e) {
      throw new IllegalStateException("inference failed for " + bundle.id() + " on " + engine + ": " + e.getMessage(), e);
    } finally {
      idle.add(predictor);
    }
  }

  private NDArray pick(NDList out, String name, int fallbackIndex) {
    NDArray named = out.get(name);
    if (named != null) {
      return named;
    }
    if (out.size() > fallbackIndex) {
      return out.get(fallbackIndex);
    }
    throw new InvalidBundleException(bundle.directory().resolve(ModelBundle.MANIFEST) + ": output '" + name
        + "' not produced by the model (it returned " + out.size() + " outputs)");
  }

  private Predictor<NDList, NDList> borrow() {
    Predictor<NDList, NDList> p = idle.poll();
    if (p == null) {
      p = model.newPredictor();
      all.add(p);
    }
    return p;
  }

  @Override
  public void close() {
    closed = true;
    all.forEach(Predictor::close);
    model.close();
  }
}
