package dev.advmon.testing;

import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchClassifier;
import dev.advmon.model.BatchOutput;
import dev.advmon.model.ModelManifest;
import java.util.List;
import java.util.function.Function;

/**
 * A real model whose first class score of chosen images is another value (NaN, an infinity: an FP16 engine beyond its
 * range): {@code instead} gives it per image, or null to keep the model's. A call without such an image returns the
 * model's output as it is (features and layers too); one with it goes through {@link BatchOutput#fromModel}, as an
 * engine's outputs do, which refuses a non-finite row naming it.
 */
public final class ScoreOverridingClassifier implements BatchClassifier {

  private final BatchClassifier real;
  private final Function<FloatImage, Float> instead;

  public ScoreOverridingClassifier(BatchClassifier real, Function<FloatImage, Float> instead) {
    this.real = real;
    this.instead = instead;
  }

  @Override
  public ModelManifest manifest() {
    return real.manifest();
  }

  @Override
  public String engineName() {
    return real.engineName();
  }

  @Override
  public BatchOutput classify(List<FloatImage> images) {
    BatchOutput out = real.classify(images);
    if (images.stream().allMatch(i -> instead.apply(i) == null)) {
      return out;
    }
    int k = out.numClasses();
    float[] scores = new float[images.size() * k];
    for (int i = 0; i < images.size(); i++) {
      System.arraycopy(out.probabilities(i), 0, scores, i * k, k);
      Float value = instead.apply(images.get(i));
      if (value != null) {
        scores[i * k] = value;
      }
    }
    return BatchOutput.fromModel(images.size(), scores, true, null);
  }

  /** The model is the test's: not closed here. */
  @Override
  public void close() {}
}
