package dev.advmon.detect;

import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchClassifier;
import dev.advmon.model.BatchOutput;
import dev.advmon.model.ModelManifest;
import dev.advmon.model.NonFiniteOutputException;
import java.util.ArrayList;
import java.util.List;

/**
 * Scores frames: the frames and every detector's probes go into as few inference calls as
 * {@code maxBatch} allows (a frame and its probes always share a call), then each detector reads its rows.
 * A {@link StagedDetector} may ask for further rounds of probes; each round of all frames of a call goes
 * into one more call (split only where it exceeds {@code maxBatch}; one frame's round stays together).
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

  /** The model this scorer runs (its owner closes it). */
  public BatchClassifier classifier() {
    return classifier;
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

  /** Most images in one inference call. */
  public int maxBatch() {
    return maxBatch;
  }

  /** The same detectors and batch limit on another classifier (e.g. one shared by several threads). */
  public FrameScorer withClassifier(BatchClassifier other) {
    return new FrameScorer(other, detectors, maxBatch);
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
      p.name = frames.size() == 1 ? "this frame" : "frame " + (out.size() + planned.size() + 1) + " of the "
          + frames.size() + " scored together";
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
    for (int d = 0; d < detectors.size(); d++) {
      if (detectors.get(d) instanceof StagedDetector staged) {
        p.probing[d] = staged.begin(frame);
        p.probes.add(p.probing[d].probes());
      } else {
        p.probes.add(detectors.get(d).probes(frame));
      }
    }
    return p;
  }

  private void run(List<FloatImage> batch, List<Planned> planned, List<Verdict> out) {
    BatchOutput result;
    try {
      result = classifier.classify(batch);
    } catch (NonFiniteOutputException e) {
      throw new IllegalStateException(e.saidOf(rowOf(e.row(), planned)), e);
    }
    ModelManifest m = classifier.manifest();
    for (Planned p : planned) {
      for (int d = 0; d < detectors.size(); d++) {
        if (p.probing[d] != null) {
          p.probing[d].accept(result, p.frameRow, result, p.firstProbeRow[d], p.probes.get(d).size());
        }
      }
    }
    runLaterRounds(result, planned);
    for (Planned p : planned) {
      int k = result.argmax(p.frameRow);
      Detector.Detection[] found = new Detector.Detection[detectors.size()];
      List<Detector.Detection> own = new ArrayList<>(detectors.size());
      for (int d = 0; d < detectors.size(); d++) {
        if (!(detectors.get(d) instanceof ConsensusDetector)) {
          found[d] = p.probing[d] != null ? p.probing[d].result()
              : detectors.get(d).evaluate(p.frame, result, p.frameRow, p.firstProbeRow[d], p.probes.get(d).size());
          own.add(found[d]);
        }
      }
      for (int d = 0; d < detectors.size(); d++) {
        if (detectors.get(d) instanceof ConsensusDetector c) {
          found[d] = c.combine(own); // reads the others' scores on this frame: no probe, no pass
        }
      }
      for (Detector.Detection d : found) {
        if (!Double.isFinite(d.score())) {
          // "score > threshold" is false for NaN: such a frame would pass as clean. It is this frame's failure
          // (the guard dead-letters it as SCORING_FAILED unless every frame fails), never a silent "no alert".
          throw new IllegalStateException("detector " + d.detector() + " gave a score of " + d.score()
              + " for this frame, which cannot be judged against its threshold");
        }
      }
      List<Detector.Detection> detections = List.of(found);
      out.add(new Verdict(k, m.label(k), result.confidence(p.frameRow), detections, p.size() + p.laterPasses));
    }
    batch.clear();
    planned.clear();
  }

  /** Rounds two and on of the staged detectors: each round of every frame in one call (per maxBatch). */
  private void runLaterRounds(BatchOutput first, List<Planned> planned) {
    while (true) {
      List<Round> round = new ArrayList<>();
      for (Planned p : planned) {
        for (StagedDetector.Probing probing : p.probing) {
          if (probing != null) {
            List<FloatImage> probes = probing.probes();
            if (!probes.isEmpty()) {
              round.add(new Round(p, probing, probes));
            }
          }
        }
      }
      if (round.isEmpty()) {
        return;
      }
      List<FloatImage> batch = new ArrayList<>();
      List<Round> members = new ArrayList<>();
      for (Round r : round) {
        if (!batch.isEmpty() && batch.size() + r.probes.size() > maxBatch) {
          runRound(first, batch, members);
        }
        members.add(r);
        batch.addAll(r.probes);
      }
      runRound(first, batch, members);
    }
  }

  private void runRound(BatchOutput first, List<FloatImage> batch, List<Round> members) {
    BatchOutput result;
    try {
      result = classifier.classify(batch);
    } catch (NonFiniteOutputException e) {
      throw new IllegalStateException(e.saidOf(roundRowOf(e.row(), members)), e);
    }
    int row = 0;
    for (Round r : members) {
      r.planned.laterPasses += r.probes.size();
      r.probing.accept(first, r.planned.frameRow, result, row, r.probes.size());
      row += r.probes.size();
    }
    batch.clear();
    members.clear();
  }

  /**
   * What row {@code row} of a first-round call was, in the user's terms: the model's own words counted the call's rows,
   * probes included, and one frame's failure read as "image 0 of a batch of 13".
   */
  private String rowOf(int row, List<Planned> planned) {
    for (Planned p : planned) {
      if (row == p.frameRow) {
        return p.name;
      }
      for (int d = 0; d < detectors.size(); d++) {
        if (row >= p.firstProbeRow[d] && row < p.firstProbeRow[d] + p.probes.get(d).size()) {
          return probeOf(d, p);
        }
      }
    }
    return "input " + row + " of one model call"; // every row is a frame's or a probe's; kept should that change
  }

  /** As {@link #rowOf(int, List)}, for a call of later rounds' probes. */
  private String roundRowOf(int row, List<Round> members) {
    int first = 0;
    for (Round r : members) {
      if (row < first + r.probes.size()) {
        int d = java.util.Arrays.asList(r.planned.probing).indexOf(r.probing);
        return probeOf(d, r.planned);
      }
      first += r.probes.size();
    }
    return "input " + row + " of one model call";
  }

  private String probeOf(int detector, Planned p) {
    return "a probe that detector " + detectors.get(detector).name() + " made from " + p.name;
  }

  private record Round(Planned planned, StagedDetector.Probing probing, List<FloatImage> probes) {}

  /** A frame's place in the batch. */
  private static final class Planned {
    final FloatImage frame;
    final List<List<FloatImage>> probes;
    final int[] firstProbeRow;
    final StagedDetector.Probing[] probing;
    int frameRow;
    int laterPasses;
    /** How a failure names the frame: "this frame", or its place among the frames scored together. */
    String name;

    Planned(FloatImage frame, int detectors) {
      this.frame = frame;
      this.probes = new ArrayList<>(detectors);
      this.firstProbeRow = new int[detectors];
      this.probing = new StagedDetector.Probing[detectors];
    }

    int size() {
      return 1 + probes.stream().mapToInt(List::size).sum();
    }
  }
}
