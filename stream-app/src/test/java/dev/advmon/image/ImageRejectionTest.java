package dev.advmon.image;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ImageRejectionTest {

  @Test
  void sizeRefusalsAreDeadLetteredAsTooLargeAndTheRestAsUndecodable() {
    for (ImageRejection rejection : ImageRejection.values()) {
      String expected = rejection == ImageRejection.TOO_MANY_BYTES || rejection == ImageRejection.TOO_MANY_PIXELS
          ? "IMAGE_TOO_LARGE"
          : "UNDECODABLE_IMAGE";
      assertThat(rejection.deadLetterReason()).as(rejection.name()).isEqualTo(expected);
    }
  }
}
