package dev.advmon.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.registry.RegistryUnavailableException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The start-up give-up with several registry.url entries tells what each did over the whole wait. */
class RegistryWaitHistoryTest {

  private static final String A = "http://registry-a:8081";
  private static final String B = "http://registry-b:8081";

  private static RegistryUnavailableException tried(String a, String b) {
    return tried(a, b, false);
  }

  /** A try whose words at A and B are {@code a} and {@code b}, {@code cut} where the call's deadline cut it short. */
  private static RegistryUnavailableException tried(String a, String b, boolean cut) {
    Map<String, String> failures = new LinkedHashMap<>();
    failures.put(A, a);
    failures.put(B, b);
    return new RegistryUnavailableException(A + "," + B, 2, "last", false, failures, cut, null);
  }

  /**
   * A URL that answered 503 at an earlier try and nothing at the last: the give-up told the last try alone, "still
   * unreachable" with "no registry.url answered", though the registry had answered there.
   */
  @Test
  void aUrlThatAnsweredAtAnEarlierTryIsNotCalledUnreachableInTheHeading() {
    RegistryWaitHistory history = new RegistryWaitHistory();
    history.add(tried("HTTP 503", "connection refused"));
    history.add(tried("no answer within 5000 ms", "connection refused"));

    assertThat(history.state()).isEqualTo("answered at 1 of its 2 URLs, but start-up's requests still failed there;"
        + " still unreachable at the other");
    assertThat(history.whole()).isEqualTo("each registry.url failed: " + A + ": no answer within 5000 ms, earlier"
        + " HTTP 503 (it answered earlier: check whether it restarted, and the network to it); " + B + ": connection"
        + " refused (check that a registry runs there)");
  }

  /**
   * A URL that answered at an earlier try and went silent got the outage's note, "check that the registry runs behind
   * each", beside one that never answered: the registry had answered there during the same wait. It gets advice of its
   * own; where each URL did so, the note says it.
   */
  @Test
  void aUrlThatWentSilentAfterAnsweringGetsAdviceOfItsOwn() {
    RegistryWaitHistory one = new RegistryWaitHistory();
    one.add(tried("HTTP 503", "no answer within 5000 ms"));
    one.add(tried("no answer within 5000 ms", "no answer within 5000 ms"));
    assertThat(one.whole()).isEqualTo("each registry.url failed: " + A + ": no answer within 5000 ms, earlier HTTP 503"
        + " (it answered earlier: check whether it restarted, and the network to it); " + B + ": no answer within"
        + " 5000 ms (check that it runs and is reachable)");

    RegistryWaitHistory each = new RegistryWaitHistory();
    each.add(tried("HTTP 503", "HTTP 502 not from the registry"));
    each.add(tried("connection refused", "no answer within 5000 ms"));
    assertThat(each.whole()).isEqualTo("each registry.url failed: " + A + ": connection refused, earlier HTTP 503; " + B
        + ": no answer within 5000 ms, earlier HTTP 502 not from the registry; each answered earlier: check whether the"
        + " registry restarted, and the network to it");
    assertThat(each.state()).isEqualTo("answered, but start-up's requests still failed");
  }

  /** A URL the last try left untried keeps what it did when a try last reached it, not "not tried". */
  @Test
  void aUrlTheLastTryLeftUntriedKeepsItsLastOutcome() {
    RegistryWaitHistory history = new RegistryWaitHistory();
    history.add(tried("no answer within 5000 ms", "HTTP 503"));
    history.add(tried("no answer within 5000 ms", "not tried: the call's deadline was spent on the other URLs"));

    assertThat(history.state()).isEqualTo("answered at 1 of its 2 URLs, but start-up's requests still failed there;"
        + " still unreachable at the other");
    assertThat(history.whole()).contains(B + ": HTTP 503").doesNotContain("not tried");
  }

  /** The last outcome wins where each try reached the URL: a 503 that came back after a silence is told alone. */
  @Test
  void theLastAnswerOfAUrlIsItsOwnWords() {
    RegistryWaitHistory history = new RegistryWaitHistory();
    history.add(tried("no answer within 5000 ms", "connection refused"));
    history.add(tried("HTTP 503", "connection refused"));

    assertThat(history.whole()).contains(A + ": HTTP 503 (check its log").doesNotContain("earlier");
  }

  /**
   * The deadline's note ("requests cut to the call's deadline") is the last try's, not any try's of the wait: a try the
   * deadline did not cut reached every URL (the client counts a URL left untried as cut), so its words replace every
   * earlier try's, and an earlier cut try's note would explain words no longer shown. Where the last try was cut, the
   * words of the URL it left untried come from an earlier try, and the note explains the others'.
   */
  @Test
  void theDeadlinesNoteIsTheLastTrysWhoseWordsAreShown() {
    RegistryWaitHistory uncutLast = new RegistryWaitHistory();
    String untried = "not tried: the call's deadline was spent on the other URLs";
    uncutLast.add(tried("no answer within 5000 ms", untried, true));
    uncutLast.add(tried("connection refused", "HTTP 503"));
    assertThat(uncutLast.whole()).doesNotContain("cut to the call's deadline").contains(A + ": connection refused")
        .contains(B + ": HTTP 503");

    RegistryWaitHistory cutLast = new RegistryWaitHistory();
    cutLast.add(tried("connection refused", "HTTP 503"));
    cutLast.add(tried("no answer within 5000 ms", untried, true));
    assertThat(cutLast.whole()).isEqualTo("each registry.url failed: " + A + ": no answer within 5000 ms (check that"
        + " it runs and is reachable); " + B + ": HTTP 503 (check its log and any proxy in front); requests cut to the"
        + " call's deadline (two thirds of streams.transaction-timeout-ms, half of it per URL)");
  }

  /** One URL's failure is left to the single-URL words: nothing to tell over the wait. */
  @Test
  void oneUrlIsNotTold() {
    RegistryWaitHistory history = new RegistryWaitHistory();
    history.add(new RegistryUnavailableException(A, 1, "x", null));

    assertThat(history.state()).isNull();
    assertThat(history.whole()).isNull();
  }
}
