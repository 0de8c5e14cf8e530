package dev.advmon.cli;

import dev.advmon.config.MonitorConfig;
import dev.advmon.image.ImageLimits;

/** Turns settings into the components' own settings objects; one place, so every command agrees. */
final class Wiring {

  private Wiring() {}

  static ImageLimits imageLimits(MonitorConfig c) {
    return new ImageLimits(c.longValue("image.max-encoded-bytes"), c.longValue("image.max-pixels"),
        c.intValue("image.max-dimension"));
  }
}
