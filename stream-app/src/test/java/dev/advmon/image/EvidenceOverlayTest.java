package dev.advmon.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class EvidenceOverlayTest {

  @Test
  void evidenceWithoutASubsetHasNoOverlay() {
    assertThat(EvidenceOverlay.from(Map.of("model", "m:1"))).isNull();
  }

  @Test
  void cellsAreReadRowMajorMostSignificantBitFirst() {
    // 3x3 = 9 cells, 2 bytes: 1000 0001 | 1xxx xxxx -> cells 0, 7 and 8
    EvidenceOverlay o = EvidenceOverlay.from(Map.of("subset", "8180", "subset.grid", "3x3"));
    assertThat(o.rows()).isEqualTo(3);
    assertThat(o.cols()).isEqualTo(3);
    assertThat(o.cells()).containsExactly(true, false, false, false, false, false, false, true, true);
    assertThat(o.selected()).isEqualTo(3);
  }

  @Test
  void aSevenBySevenGridNeedsFourteenHexDigits() {
    assertThat(EvidenceOverlay.from(Map.of("subset", "ffffffffffff80", "subset.grid", "7x7")).selected()).isEqualTo(49);
    assertThatThrownBy(() -> EvidenceOverlay.from(Map.of("subset", "ff", "subset.grid", "7x7")))
        .hasMessageContaining("14 hex digits");
  }

  @Test
  void malformedOverlaysAreRefusedNamingWhatIsWrong() {
    assertThatThrownBy(() -> EvidenceOverlay.from(Map.of("subset", "ff"))).hasMessageContaining("subset.grid");
    assertThatThrownBy(() -> EvidenceOverlay.from(Map.of("subset", "ff", "subset.grid", "seven")))
        .hasMessageContaining("ROWSxCOLS");
    assertThatThrownBy(() -> EvidenceOverlay.from(Map.of("subset", "ff", "subset.grid", "100x100")))
        .hasMessageContaining("ROWSxCOLS");
    assertThatThrownBy(() -> EvidenceOverlay.from(Map.of("subset", "zz", "subset.grid", "2x2")))
        .hasMessageContaining("hex");
  }
}
