package dev.advmon.detect;

import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchOutput;
import java.util.List;

/**
 * A detector whose probes come in rounds, each round chosen from the model's outputs on the previous one (a
 * cascade, a search). It still never runs the model: {@link FrameScorer} keeps the one-call rule per round.
 * Round one goes into the frame's batched call with every other detector's probes; then the scorer collects
 * the next round of every frame it is scoring into one more call, and so on until no frame asks for more.
 * A frame whose cheap probes clear it costs no extra call.
 *
 * <p>Used as a plain {@link Detector} (by code that runs one call per frame), only round one runs and
 * {@link Probing#result()} reports what that round shows.
 */
public interface StagedDetector extends Detector {

  /** Starts probing {@code frame}. */
  Probing begin(FloatImage frame);

  /** One frame's probing in progress: a small state machine owned by the scorer for one scoring call. */
  interface Probing {

    /** The probes of the current round; empty when the frame needs no further round. */
    List<FloatImage> probes();

    /**
     * The model's outputs on the current round: the frame's own row is {@code frameRow} of {@code frameOut}
     * (the first call), this round's probes are the {@code count} rows of {@code out} from {@code firstRow},
     * in the order {@link #probes()} returned them. Moves to the next round.
     */
    void accept(BatchOutput frameOut, int frameRow, BatchOutput out, int firstRow, int count);

    /** The detection from the rounds run so far. */
    Detection result();
  }

  @Override
  default List<FloatImage> probes(FloatImage frame) {
    return begin(frame).probes();
  }

  @Override
  default Detection evaluate(FloatImage frame, BatchOutput outputs, int frameRow, int firstProbeRow, int probeCount) {
    Probing p = begin(frame);
    p.accept(outputs, frameRow, outputs, firstProbeRow, probeCount);
    return p.result();
  }
}
