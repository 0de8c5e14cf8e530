package dev.advmon.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class BatchOutputTest {

  @Test
  void softmaxOfLogitsSumsToOneAndSurvivesHugeLogits() {
    BatchOutput out = BatchOutput.fromModel(2, new float[] {1f, 2f, 3f, 1000f, 0f, -1000f}, false, null);
    assertThat(out.numClasses()).isEqualTo(3);
    float sum = 0;
    for (float p : out.probabilities(0)) {
      sum += p;
    }
    assertThat(sum).isCloseTo(1f, within(1e-5f));
    assertThat(out.probability(0, 2)).isCloseTo((float) (Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3))), within(1e-5f));
    assertThat(out.argmax(1)).isZero();
    assertThat(out.confidence(1)).isCloseTo(1f, within(1e-6f));
    assertThat(out.hasFeatures()).isFalse();
  }

  @Test
  void keepsProbabilitiesAndSlicesFeaturesPerRow() {
    BatchOutput out = BatchOutput.fromModel(2, new float[] {0.2f, 0.8f, 0.6f, 0.4f}, true,
        new float[] {1, 2, 3, 4, 5, 6});
    assertThat(out.probability(0, 1)).isEqualTo(0.8f);
    assertThat(out.argmax(1)).isZero();
    assertThat(out.featureDim()).isEqualTo(3);
    assertThat(out.features(1)).containsExactly(4, 5, 6);
  }

  @Test
  void carriesTheDetectorHeadAsProbabilitiesPerRowAndSaysWhenThereIsNone() {
    BatchOutput plain = BatchOutput.fromModel(2, new float[] {0.2f, 0.8f, 0.6f, 0.4f}, true, null);
    assertThat(plain.hasAdversarial()).isFalse();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> plain.adversarial(0, 0))
        .hasMessageContaining("outputs.adversarial");
    BatchOutput out = plain.withAdversarial(new float[] {0f, 0f, 0f, 5f, -5f, 0f});
    assertThat(out.hasAdversarial()).isTrue();
    assertThat(out.adversarial(0, 1)).isCloseTo(1f / 3, within(1e-6f));
    assertThat(out.adversarial(1, 0)).isGreaterThan(0.99f);
    assertThat(out.probability(0, 1)).isEqualTo(0.8f); // the classifier's outputs are untouched
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> plain.withAdversarial(new float[5]))
        .hasMessageContaining("5 detector-head scores for a batch of 2");
  }

  @Test
  void carriesLayerStatisticsPerRowThroughASliceAndSaysWhenALayerIsMissing() {
    BatchOutput out = BatchOutput.fromModel(3, new float[] {0.2f, 0.8f, 0.6f, 0.4f, 0.5f, 0.5f}, true, null)
        .withLayers(java.util.List.of(new float[] {1, 2, 3, 4, 5, 6}, new float[] {7, 8, 9}));
    assertThat(out.layerCount()).isEqualTo(2);
    assertThat(out.layer(1, 0)).containsExactly(3, 4);
    assertThat(out.layer(2, 1)).containsExactly(9);
    BatchOutput tail = out.rows(1, 2);
    assertThat(tail.layer(0, 0)).containsExactly(3, 4);
    assertThat(tail.layer(1, 1)).containsExactly(9);
    assertThat(tail.argmax(0)).isZero();
    assertThatThrownBy(() -> out.layer(0, 2)).hasMessageContaining("outputs.layers");
    assertThatThrownBy(() -> BatchOutput.fromModel(2, new float[] {1, 0, 0, 1}, true, null).withLayers(java.util.List.of(new float[] {1, 2, 3})))
        .hasMessageContaining("layer output 0").hasMessageContaining("batch of 2");
  }

  @Test
  void refusesNonFiniteScoresNamingTheImageOfTheBatch() {
    float[] logits = {1f, 2f, 3f, Float.NaN, 0f, 1f};
    assertThatThrownBy(() -> BatchOutput.fromModel(2, logits, false, null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("class score of NaN for input 1 of the 2 in one model call");
    float[] overflow = {Float.POSITIVE_INFINITY, 0f, 0f, 0f};
    assertThatThrownBy(() -> BatchOutput.fromModel(2, overflow, false, null))
        .hasMessageContaining("for input 0 of the 2 in one model call");
    float[] features = {0.5f, 0.5f, Float.NEGATIVE_INFINITY, 1f};
    assertThatThrownBy(() -> BatchOutput.fromModel(2, new float[] {0f, 1f, 1f, 0f}, false, features))
        .hasMessageContaining("feature of -Infinity for input 1 ");
    BatchOutput fine = BatchOutput.fromModel(2, new float[] {0f, 1f, 1f, 0f}, false, new float[] {1f, 2f});
    assertThatThrownBy(() -> fine.withAdversarial(new float[] {0f, Float.NaN}))
        .hasMessageContaining("detector-head score of NaN for input 1 ");
    assertThatThrownBy(() -> fine.withLayers(List.of(new float[] {Float.NaN, 0f})))
        .hasMessageContaining("layer output 0 of NaN for input 0 ");
  }
}
