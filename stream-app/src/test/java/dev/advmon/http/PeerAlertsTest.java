package dev.advmon.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.advmon.campaign.AlertIds;
import dev.advmon.topology.RecordLimits;
import org.junit.jupiter.api.Test;

class PeerAlertsTest {

  /**
   * A peer's alert is cut only where no monitor could have sent it: the longest id a monitor writes is a camera id of
   * the longest allowed, every character of it escaped to three ({@link AlertIds}), with the longest frame id.
   */
  @Test
  void anAlertIdOfTheLongestEscapedCameraAndFrameIdsIsKeptWhole() {
    String camera = "%".repeat(RecordLimits.MAX_ID_CHARS);
    String frame = "f".repeat(RecordLimits.MAX_ID_CHARS);
    String alertId = AlertIds.camera(camera) + "/" + frame + "/INPUT_GRADIENT";
    ObjectNode sent = PeerJson.NODES.objectNode().put("seq", 1).put("receivedAt", 2).put("alertId", alertId)
        .put("cameraId", camera).put("frameId", frame);
    PeerAlerts peer = new PeerAlerts("peer:8080");

    ObjectNode kept = peer.clean(sent);

    assertThat(kept.get("alertId").asText()).isEqualTo(alertId);
    assertThat(peer.problem()).isNull();
  }

  @Test
  void anAlertIdLongerThanAnyMonitorWritesIsCutAndSaidSo() {
    PeerAlerts peer = new PeerAlerts("peer:8080");

    ObjectNode kept = peer.clean(PeerJson.NODES.objectNode().put("seq", 1).put("receivedAt", 2)
        .put("alertId", "x".repeat(PeerAlerts.MAX_ALERT_ID_CHARS + 1)));

    assertThat(kept.get("alertId").asText()).hasSize(PeerAlerts.MAX_ALERT_ID_CHARS + 1).endsWith("…");
    assertThat(peer.problem()).contains("alertId has " + (PeerAlerts.MAX_ALERT_ID_CHARS + 1) + " characters");
  }
}
