package dev.advmon.demo;

import java.util.Locale;

/** What a replayed frame really is, carried in its {@code truth.kind} attribute. */
enum TruthKind {
  /** An evaluation image as it is. */
  CLEAN,
  /** A frame one attack changed for itself (L-inf, minimal L2, sparse, patch, spatial, black-box): a bundled fixture. */
  PERTURBATION,
  /** A fooling image: none of the classes, yet the model is sure (a bundled fixture, evolved or gradient-made). */
  FOOLING,
  /** An evaluation image with the stickered camera's fixed noise pattern: the same on every frame. */
  UNIVERSAL,
  /** A record the monitor cannot read: it must come out as a dead letter. */
  MALFORMED;

  /** Frames that a perfect monitor flags. */
  boolean attacked() {
    return this == PERTURBATION || this == FOOLING || this == UNIVERSAL;
  }

  /** Frames replayed from the bundled model's attack fixtures (each carries {@code truth.attack}). */
  boolean fromFixtures() {
    return this == PERTURBATION || this == FOOLING;
  }

  String attribute() {
    return name().toLowerCase(Locale.ROOT);
  }

  static TruthKind ofAttribute(String value) {
    return value == null ? null : valueOf(value.toUpperCase(Locale.ROOT));
  }
}
