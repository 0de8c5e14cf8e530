package dev.advmon.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.registry.RegistryUnavailableException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The start-up reason for several registry.url entries: each URL and how it failed, within the readiness cap. */
class EachRegistryUrlTest {

  private static final int ROOM = StartupWaits.MAX_REASON - "schema registry: waited 61 s (try 12): ".length();

  private static RegistryUnavailableException failed(Map<String, String> failures, boolean cut) {
    return new RegistryUnavailableException(String.join(",", failures.keySet()), failures.size(), "last",
        false, failures, cut, null);
  }

  @Test
  void oneUrlIsLeftToTheSingleUrlReason() {
    assertThat(EachRegistryUrl.reason(failed(Map.of("http://r:8081", "connection refused"), false), ROOM)).isNull();
    assertThat(EachRegistryUrl.reason(new RegistryUnavailableException("http://r:8081", 1, "x", null), ROOM))
        .isNull();
  }

  /** An IPv6 address (an IPv4-mapped one has dots) is an address, not a host name: never cut at a dot. */
  @Test
  void anIpv6AddressIsNeverCutLikeAHostName() {
    Map<String, String> failures = new LinkedHashMap<>();
    failures.put("http://[::ffff:10.0.0.1]:8081/apis/ccompat/v7/" + "x".repeat(120), "connection refused");
    failures.put("http://[::ffff:10.0.0.2]:8081/apis/ccompat/v7/" + "y".repeat(120), "connection refused");
    String reason = EachRegistryUrl.reason(failed(failures, false), ROOM);
    assertThat(reason).contains("[::ffff:10.0.0.1]:8081").contains("[::ffff:10.0.0.2]:8081");
  }

  /** Three in-cluster names of 60-odd characters: only the part that tells them apart, and every failure whole. */
  @Test
  void longHostNamesAreCutToTheirFirstLabelSoThatEveryFailureFits() {
    Map<String, String> failures = new LinkedHashMap<>();
    for (int i = 0; i < 3; i++) {
      failures.put("http://schema-registry-" + i + ".schema-registry.kafka.svc.cluster.local:8081/apis/ccompat/v7",
          i == 0 ? "connection refused"
              : i == 1 ? "no answer within 1666 ms" : "not tried: the call's deadline had passed");
    }
    String reason = EachRegistryUrl.reason(failed(failures, true), ROOM);
    assertThat(reason).hasSizeLessThanOrEqualTo(ROOM).doesNotContain("...")
        .isEqualTo("no registry.url answered: schema-registry-0:8081: connection refused; schema-registry-1:8081: no"
            + " answer within 1666 ms; schema-registry-2:8081: not tried: the call's deadline had passed");
  }

  /** URLs that differ only in their path keep it (the wrong one is what to fix), as do schemes that differ. */
  @Test
  void thePartsThatTellUrlsApartStay() {
    Map<String, String> failures = new LinkedHashMap<>();
    failures.put("http://registry:8081/apis/ccompat/v7", "HTTP 503");
    failures.put("https://registry:8081", "not the API root (HTTP 404)");
    String reason = EachRegistryUrl.reason(failed(failures, false), ROOM);
    assertThat(reason).isEqualTo("no registry.url answered: http://registry:8081/apis/ccompat/v7: HTTP 503;"
        + " https://registry:8081: not the API root (HTTP 404); check that the registry runs behind each");
  }

  /** Too many URLs for the cap even when short: each gets its share, none is left out. */
  @Test
  void manyUrlsShareTheRoomAndEachIsStillNamed() {
    Map<String, String> failures = new LinkedHashMap<>();
    for (int i = 0; i < 8; i++) {
      failures.put("http://registry-replica-" + i + ":8081", "IOException: an unusually long story of what went wrong");
    }
    String reason = EachRegistryUrl.reason(failed(failures, false), ROOM);
    assertThat(reason).hasSizeLessThanOrEqualTo(ROOM);
    for (int i = 0; i < 8; i++) {
      assertThat(reason).contains("registry-replica-" + i);
    }
  }
}
