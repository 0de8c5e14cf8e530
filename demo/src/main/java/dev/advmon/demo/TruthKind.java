package dev.advmon.demo;

import java.util.Locale;

/** What a replayed frame really is, carried in its {@code truth.kind} attribute. */
enum TruthKind {
  /** An evaluation image as it is. */
  CLEAN,
  /** An evaluation image with bounded random-sign noise of its own: a stand-in for a per-frame attack. */
  PERTURBATION,
  /** A synthetic pattern that is none of the classes: what a fooling image is. */
  FOOLING,
  /** An evaluation image with the stickered camera's fixed noise pattern: the same on every frame. */
  UNIVERSAL,
  /** A record the monitor cannot read: it must come out as a dead letter. */
  MALFORMED;

  /** Frames that a perfect monitor flags. */
  boolean attacked() {
    return this == PERTURBATION || this == FOOLING || this == UNIVERSAL;
  }

  String attribute() {
    return name().toLowerCase(Locale.ROOT);
  }

  static TruthKind ofAttribute(String value) {
    return value == null ? null : valueOf(value.toUpperCase(Locale.ROOT));
  }
}
