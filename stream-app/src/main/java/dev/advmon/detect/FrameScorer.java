package dev.advmon.detect;

import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchClassifier;
import dev.advmon.model.BatchOutput;
import dev.advmon.model.ModelManifest;
import java.util.ArrayList;
import java.util.List;

/**
 * Scores frames: the frames and every detector's probes go into as few inference calls as
 * {@code maxBatch} allows (a frame and its probes always share a call), then each detector reads its rows.
 */
public final class FrameScorer {

  private final BatchClassifier classifier;
  private final List<Detector> detectors;
  private final int maxBatch;

  public FrameScorer(BatchClassifier classifier, List<Detector> detectors, int maxBatch) {
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be positive");
    }
    this.classifier = classifier;
    this.detectors = List.copyOf(detectors);
    this.maxBatch = maxBatch;
  }

  public ModelManifest manifest() {
    return classifier.manifest();
  }

  public String engineName() {
    return classifier.engineName();
  }

  public List<Detector> detectors() {
    return detectors;
  }

  public Verdict score(FloatImage frame) {
    return score(List.of(frame)).get(0);
  }

  /** Verdicts for {@code frames}, in order. */
  public List<Verdict> score(List<FloatImage> frames) {
    List<Verdict> out = new ArrayList<>(frames.size());
    List<FloatImage> batch = new ArrayList<>();
    List<Planned> planned = new ArrayList<>();
    for (FloatImage frame : frames) {
      Planned p = plan(frame);
      if (!batch.isEmpty() && batch.size() + p.size() > maxBatch) {
        run(batch, planned, out);
      }
      p.frameRow = batch.size();
      batch.add(frame);
      for (int d = 0; d < detectors.size(); d++) {
        p.firstProbeRow[d] = batch.size();
        batch.addAll(p.probes.get(d));
      }
      planned.add(p);
    }
    if (!batch.isEmpty()) {
      run(batch, planned, out);
    }
    return out;
  }

  private Planned plan(FloatImage frame) {
    Planned p = new Planned(frame, detectors.size());
    for (Detector d : detectors) {
      p.probes.add(d.probes(frame));
    }
    return p;
  }

  private void run(List<FloatImage> batch, List<Planned> planned, List<Verdict> out) {
    BatchOutput result = classifier.classify(batch);
    ModelManifest m = classifier.manifest();
    for (Planned p : planned) {
      int k = result.argmax(p.frameRow);
      List<Detector.Detection> detections = new ArrayList<>(detectors.size());
      for (int d = 0; d < detectors.size(); d++) {
        detections.add(detectors.get(d).evaluate(p.frame, result, p.frameRow, p.firstProbeRow[d], p.probes.get(d).size()));
      }
      out.add(new Verdict(k, m.label(k), result.confidence(p.frameRow), List.copyOf(detections), p.size()));
    }
    batch.clear();
    planned.clear();
  }

  /** A frame's place in the batch. */
  private static final class Planned {
    final FloatImage frame;
    final List<List<FloatImage>> probes;
    final int[] firstProbeRow;
    int frameRow;

    Planned(FloatImage frame, int detectors) {
      this.frame = frame;
      this.probes = new ArrayList<>(detectors);
      this.firstProbeRow = new int[detectors];
    }

    int size() {
      return 1 + probes.stream().mapToInt(List::size).sum();
    }
  }
}
