package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RecordLimitsTest {

  @Test
  void theLargestAcceptedImageStillGivesADeadLetterThatFitsKafkasIntLimits() {
    RecordLimits largest = new RecordLimits(RecordLimits.LARGEST_ENCODED_BYTES);
    // the producer's max.request.size is set from it by an int cast: it must not wrap to a negative size
    assertThat(largest.maxMessageBytes()).isLessThanOrEqualTo(Integer.MAX_VALUE - 8L);
    assertThat((int) largest.maxMessageBytes()).isPositive();
    assertThat(largest.maxDeadLetterBytes()).isLessThan(largest.maxMessageBytes());
  }

  @Test
  void refusesAnImageLimitWhoseDeadLetterWouldNotFitOneRecord() {
    assertThatThrownBy(() -> new RecordLimits(Integer.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("image.max-encoded-bytes = 2147483647")
        .hasMessageContaining(Long.toString(RecordLimits.LARGEST_ENCODED_BYTES));
  }
}
