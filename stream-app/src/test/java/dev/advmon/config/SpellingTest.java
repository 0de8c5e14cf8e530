package dev.advmon.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SpellingTest {

  @Test
  void twoNeighboursSwappedAreOneTypo() {
    // the commonest typo: as far from what was meant as one wrong letter, not two
    assertThat(Spelling.distance("lables", "labels")).isEqualTo(1);
    assertThat(Spelling.distance("ab", "ba")).isEqualTo(1);
    assertThat(Spelling.nearest("modle.dir", List.of("model.dim", "model.dir"))).isEqualTo("model.dir");
  }

  @Test
  void insertionsDeletionsAndChangesCountOneEach() {
    assertThat(Spelling.distance("", "abc")).isEqualTo(3);
    assertThat(Spelling.distance("abc", "abc")).isZero();
    assertThat(Spelling.distance("kitten", "sitting")).isEqualTo(3);
    assertThat(Spelling.distance("ca", "abc")).as("a swap is not an edit made twice").isEqualTo(3);
  }

  @Test
  void nothingFurtherThanThreeEditsIsSuggested() {
    assertThat(Spelling.nearest("registry.url", List.of("topics.frames"))).isNull();
    assertThat(Spelling.nearest("http.prot", List.of("http.port", "http.host"))).isEqualTo("http.port");
  }
}
