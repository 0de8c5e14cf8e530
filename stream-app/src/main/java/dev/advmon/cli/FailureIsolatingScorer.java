package dev.advmon.cli;

import dev.advmon.detect.FrameScorer;
import dev.advmon.detect.Verdict;
import dev.advmon.image.FloatImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Scores `score`'s images so that an image the model cannot score (a NaN or infinite class score, a detector's
 * non-finite score) costs that image alone, while a model that fails on every image stops the run instead of
 * blaming each image in turn:
 * <ul>
 *   <li>a chunk is scored in as few model calls as the batch limit allows; when that fails, each of its images is
 *       scored alone, since one image's NaN row refuses the whole call it shares with the others;
 *   <li>an image that fails alone is tried against a canary, the last image that scored (a mid-grey frame before
 *       the first): if the canary fails too, scoring itself is broken, not the image;
 * </ul>
 * While the canary scores, each image that fails gets its own line and the run goes on, even when no image has
 * scored yet: stopping after the first few failures (as this did at first) lost every later image of a folder that
 * merely began with unscorable ones, and called the model broken when a plain frame showed it was not.
 * An {@link Error} (the heap gone, a native library that crashed) is not caught: it ends the command.
 */
final class FailureIsolatingScorer {

  /** One image's outcome: its verdict, or why it could not be scored. */
  sealed interface Outcome permits Scored, Failed, Broken {}

  record Scored(Verdict verdict) implements Outcome {}

  /** This image, not the model: its line gets {@code error}, and the run goes on. */
  record Failed(String error) implements Outcome {}

  /** Scoring fails for every image: the run stops at this image, saying {@code error}. */
  record Broken(String error) implements Outcome {}

  private final FrameScorer scorer;
  private FloatImage canary;
  private Path canaryFile;

  FailureIsolatingScorer(FrameScorer scorer) {
    this.scorer = scorer;
  }

  /**
   * Outcomes of {@code images} (read from {@code files}), in order; the list ends early, with a {@link Broken},
   * when scoring is found broken.
   */
  List<Outcome> score(List<FloatImage> images, List<Path> files) {
    if (images.isEmpty()) {
      return List.of();
    }
    if (images.size() > 1) {
      try {
        List<Verdict> verdicts = scorer.score(images);
        scored(images.get(images.size() - 1), files.get(files.size() - 1));
        return verdicts.stream().<Outcome>map(Scored::new).toList();
      } catch (RuntimeException whole) {
        // one image's NaN row refuses the output of the call it shares with the rest: find which, image by image
      }
    }
    List<Outcome> out = new ArrayList<>(images.size());
    for (int i = 0; i < images.size(); i++) {
      Outcome o = scoreAlone(images.get(i), files.get(i));
      out.add(o);
      if (o instanceof Broken) {
        return out;
      }
    }
    return out;
  }

  private Outcome scoreAlone(FloatImage image, Path file) {
    try {
      Verdict v = scorer.score(image);
      scored(image, file);
      return new Scored(v);
    } catch (RuntimeException failure) {
      String why = Main.describe(failure);
      String canaryFailure = canaryFailure();
      if (canaryFailure != null) {
        return new Broken("scoring fails for every image (the model or its engine is broken, not the images): "
            + file + " failed (" + why + "), and so did " + canaryName() + " (" + canaryFailure + ")");
      }
      return new Failed("the image was read but could not be scored: " + why);
    }
  }

  private void scored(FloatImage image, Path file) {
    canary = image;
    canaryFile = file;
  }

  /** Why the canary fails to score as well, or null when it scores. */
  private String canaryFailure() {
    try {
      scorer.score(canary != null ? canary : midGrey());
      return null;
    } catch (RuntimeException e) {
      return Main.describe(e);
    }
  }

  private String canaryName() {
    return canary != null ? canaryFile + ", which scored before" : "a plain mid-grey frame";
  }

  private FloatImage midGrey() {
    var in = scorer.manifest().input();
    float[] data = new float[in.channels() * in.height() * in.width()];
    Arrays.fill(data, 0.5f);
    return new FloatImage(in.channels(), in.height(), in.width(), data);
  }
}
