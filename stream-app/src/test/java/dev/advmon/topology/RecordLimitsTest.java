package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import static dev.advmon.topology.RecordLimits.BATCH_OVERHEAD_BYTES;
import static dev.advmon.topology.RecordLimits.MAX_EVIDENCE_IMAGE_BYTES;
import static dev.advmon.topology.RecordLimits.MAX_ID_CHARS;

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

  /**
   * With alerts.evidence-image on, an alert carries up to MAX_EVIDENCE_IMAGE_BYTES of picture; the producer's
   * max.request.size followed image.max-encoded-bytes alone, so a small image limit made it refuse such an alert,
   * which fails the task under exactly-once, on the same frame after every restart.
   */
  @Test
  void theProducerTakesAnAlertWithTheLargestPictureWhateverTheImageLimit() {
    String id = "i".repeat(MAX_ID_CHARS);
    java.util.Map<String, String> evidence = new java.util.HashMap<>();
    for (int i = 0; i < 40; i++) {
      evidence.put("key-" + i, "v".repeat(64));
    }
    java.util.List<dev.advmon.schema.DetectorScore> scores = new java.util.ArrayList<>();
    for (int i = 0; i < 16; i++) {
      scores.add(dev.advmon.schema.DetectorScore.newBuilder().setDetector("detector-" + i).setScore(1).setThreshold(0.5)
          .setFlagged(true).build());
    }
    dev.advmon.schema.Alert alert = dev.advmon.schema.Alert.newBuilder().setAlertId(id + "/" + id + "/OVERINTERPRETATION")
        .setFrameId(id).setCameraId(id).setSourceId(id).setTime(java.time.Instant.EPOCH).setKind("OVERINTERPRETATION")
        .setReasons(java.util.List.of("OVERINTERPRETATION", "PERTURBATION")).setPredictedClass(1).setPredictedLabel("x")
        .setConfidence(0.9).setScores(scores).setExplanation("e".repeat(4 * MAX_ID_CHARS)).setEvidence(evidence)
        .setEvidenceImage(java.nio.ByteBuffer.wrap(new byte[MAX_EVIDENCE_IMAGE_BYTES])).build();
    byte[] bytes = dev.advmon.registry.AvroSerde.forClass(dev.advmon.schema.Alert.class,
        new dev.advmon.registry.InMemorySchemaRegistry()).serializer().serialize("alerts", alert);
    long record = bytes.length + MAX_ID_CHARS + BATCH_OVERHEAD_BYTES; // with its key (the camera id) and batch
    assertThat(new RecordLimits(1_000).maxRequestBytes()).isGreaterThanOrEqualTo(record);
    assertThat(record).as("under the broker's default max.message.bytes, which the alerts topic keeps")
        .isLessThanOrEqualTo(1_048_588);
    assertThat(record).as("within what start-up requires of the alerts topic while pictures are on")
        .isLessThanOrEqualTo(RecordLimits.maxAlertMessageBytes(MAX_EVIDENCE_IMAGE_BYTES));
  }

  @Test
  void refusesAnImageLimitWhoseDeadLetterWouldNotFitOneRecord() {
    assertThatThrownBy(() -> new RecordLimits(Integer.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("image.max-encoded-bytes = 2147483647")
        .hasMessageContaining(Long.toString(RecordLimits.LARGEST_ENCODED_BYTES));
  }
}
