package dev.advmon.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Which frame each camera sends, decided up front from a seed so that a run can be repeated: cameras take
 * turns; every {@value #MALFORMED_EVERY}th frame is malformed (the kinds in turn); the last camera (when
 * there are at least two) is stickered, so its other frames all carry the universal perturbation; the other
 * cameras send 90% clean frames, 5% per-frame attacks and 5% fooling images (occasional attacks, no campaign),
 * both replayed from the bundled model's attack fixtures ({@link FrameFactory#attackFor}).
 */
final class ReplayPlan {

  static final int MALFORMED_EVERY = 40;

  /** One planned frame; {@code image} indexes the evaluation set (unused for per-frame attacks and fooling images). */
  record Planned(int sequence, String frameId, String cameraId, TruthKind kind, int image, Malformation malformation) {}

  private final List<Planned> frames;
  private final String stickeredCamera;

  private ReplayPlan(List<Planned> frames, String stickeredCamera) {
    this.frames = frames;
    this.stickeredCamera = stickeredCamera;
  }

  static ReplayPlan of(int frameCount, int cameras, int images, long seed) {
    if (frameCount < 1 || cameras < 1 || images < 1) {
      throw new IllegalArgumentException("need at least one frame, camera and image");
    }
    Random random = new Random(seed);
    String stickered = cameras >= 2 ? cameraId(cameras - 1) : null;
    Malformation[] malformations = Malformation.values();
    List<Planned> out = new ArrayList<>(frameCount);
    int malformed = 0;
    for (int i = 0; i < frameCount; i++) {
      String camera = cameraId(i % cameras);
      int image = random.nextInt(images);
      double draw = random.nextDouble();
      String id = String.format(Locale.ROOT, "demo-%06d", i);
      if ((i + 1) % MALFORMED_EVERY == 0) {
        out.add(new Planned(i, id, camera, TruthKind.MALFORMED, image, malformations[malformed++ % malformations.length]));
      } else if (camera.equals(stickered)) {
        out.add(new Planned(i, id, camera, TruthKind.UNIVERSAL, image, null));
      } else {
        TruthKind kind = draw < 0.9 ? TruthKind.CLEAN : draw < 0.95 ? TruthKind.PERTURBATION : TruthKind.FOOLING;
        out.add(new Planned(i, id, camera, kind, image, null));
      }
    }
    return new ReplayPlan(List.copyOf(out), stickered);
  }

  static String cameraId(int index) {
    return String.format(Locale.ROOT, "cam-%02d", index + 1);
  }

  List<Planned> frames() {
    return frames;
  }

  /** The camera whose every readable frame carries the universal perturbation; null with one camera. */
  String stickeredCamera() {
    return stickeredCamera;
  }
}
