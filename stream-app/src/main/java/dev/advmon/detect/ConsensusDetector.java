package dev.advmon.detect;

import dev.advmon.image.FloatImage;
import dev.advmon.model.BatchOutput;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;

/**
 * Alerts when several detectors are moderately suspicious at once, none of them enough to alert alone (Fisher's
 * combination): score = the sum over its member detectors of {@code -ln p}, {@code p} the share of the threshold
 * frames (clean and under ordinary camera conditions) on which that member scored at least as high
 * ({@link TailTable}). An attack that nudges the decision, the squeezed copies and the head a little each is
 * caught here; a frame that one member dislikes for a harmless reason (a scratch the head has never seen) adds the
 * surprise of that member only. It runs no probe: it reads its members' scores on the same frame.
 */
public final class ConsensusDetector implements Detector {

  public static final String NAME = "consensus";

  private final List<String> members;
  private final List<TailTable> tails;
  private final double threshold;

  public ConsensusDetector(List<String> members, List<TailTable> tails, double threshold) {
    if (members.size() < 2) {
      throw new IllegalArgumentException("a consensus needs at least two member detectors, got " + members);
    }
    if (new HashSet<>(members).size() != members.size()) {
      throw new IllegalArgumentException("a consensus member is named more than once: " + members);
    }
    if (members.size() != tails.size()) {
      throw new IllegalArgumentException(members.size() + " members but " + tails.size() + " tail tables");
    }
    this.members = List.copyOf(members);
    this.tails = List.copyOf(tails);
    this.threshold = threshold;
  }

  public List<String> members() {
    return members;
  }

  public List<TailTable> tails() {
    return tails;
  }

  public double threshold() {
    return threshold;
  }

  @Override
  public String name() {
    return NAME;
  }

  /** The usual reason; a frame's own is that of the member with the strongest evidence ({@link #combine}). */
  @Override
  public String reason() {
    return FeatureSqueezingDetector.REASON;
  }

  @Override
  public List<FloatImage> probes(FloatImage frame) {
    return List.of();
  }

  /** Never called: the scorer hands it the other detectors' results instead ({@link #combine}). */
  @Override
  public Detection evaluate(FloatImage frame, BatchOutput outputs, int frameRow, int firstProbeRow, int probeCount) {
    throw new IllegalStateException("the consensus detector combines the other detectors' results: use combine()");
  }

  /** The surprise of each member's score, in {@link #members} order; {@code scores[m]} is member m's score. */
  public double[] surprises(double[] scores) {
    double[] s = new double[members.size()];
    for (int m = 0; m < s.length; m++) {
      s[m] = tails.get(m).surprise(scores[m]);
    }
    return s;
  }

  /** The score of member surprises {@code s}: their sum. */
  public static double score(double[] surprises) {
    double sum = 0;
    for (double v : surprises) {
      sum += v;
    }
    return sum;
  }

  /** This frame's consensus from the other detectors' results on it (each member must be among them). */
  public Detection combine(List<Detection> others) {
    double[] scores = new double[members.size()];
    String[] reasons = new String[members.size()];
    for (int m = 0; m < members.size(); m++) {
      Detection d = find(others, members.get(m));
      scores[m] = d.score();
      reasons[m] = d.reason();
    }
    double[] s = surprises(scores);
    int top = 0;
    StringBuilder evidence = new StringBuilder();
    for (int m = 0; m < s.length; m++) {
      if (s[m] > s[top]) {
        top = m;
      }
      evidence.append(m == 0 ? "" : ";").append(String.format(Locale.ROOT, "%s_p=%.4f", members.get(m), Math.exp(-s[m])));
    }
    return new Detection(NAME, reasons[top], score(s), threshold, evidence.toString(), s);
  }

  private static Detection find(List<Detection> others, String name) {
    for (Detection d : others) {
      if (d.detector().equals(name)) {
        return d;
      }
    }
    throw new IllegalStateException("the consensus needs the " + name + " detector, which this calibration does not configure");
  }
}
