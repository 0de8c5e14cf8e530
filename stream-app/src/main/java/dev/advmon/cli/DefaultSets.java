package dev.advmon.cli;

import dev.advmon.model.ModelBundle;
import dev.advmon.model.ModelDocs;
import dev.advmon.model.ModelManifest;
import java.util.List;

/**
 * The committed evaluation sets that the measuring commands default to (models/eval/fashion-mnist-test,
 * models/corruptions) are 1x28x28 grayscale Fashion-MNIST. A bundle that takes another geometry (an RGB model,
 * another size) would be measured on frames converted from them, off its own distribution: its rates would say
 * nothing about its own camera frames. So such a bundle names its own sets.
 */
final class DefaultSets {

  private DefaultSets() {}

  /**
   * Refuses {@code bundle} when it does not take 1x28x28 frames and {@code unnamed} (the options left at a
   * Fashion-MNIST default, each with what to give) is not empty.
   */
  static void requireNamedFor(ModelBundle bundle, List<String> unnamed) {
    ModelManifest.InputSpec in = bundle.manifest().input();
    if (unnamed.isEmpty() || (in.channels() == 1 && in.height() == 28 && in.width() == 28)) {
      return;
    }
    throw new IllegalArgumentException(bundle.directory().resolve(ModelBundle.MANIFEST) + " takes " + in.channels() + "x"
        + in.height() + "x" + in.width() + " frames, but the default sets (" + ModelDocs.project("models/eval/fashion-mnist-test") + ", "
        + ModelDocs.project("models/corruptions") + ") "
        + "are 1x28x28 grayscale Fashion-MNIST: pass " + String.join(" and ", unnamed));
  }

  /** What to give for --clean. */
  static final String CLEAN = "--clean DIR (the model's own clean TEST images, PNG or JPEG, with labels.csv, columns file,label)";
}
