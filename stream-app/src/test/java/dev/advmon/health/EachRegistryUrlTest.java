package dev.advmon.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.advmon.registry.RegistryRequestException;
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
              : i == 1 ? "no answer within 1666 ms" : "not tried: the call's deadline was spent on the other"
                  + " URLs");
    }
    String reason = EachRegistryUrl.reason(failed(failures, true), ROOM);
    assertThat(reason).hasSizeLessThanOrEqualTo(ROOM).doesNotContain("...")
        .isEqualTo("no registry.url answered: schema-registry-0:8081: connection refused; schema-registry-1:8081: no"
            + " answer within 1666 ms; schema-registry-2:8081: not tried: the call's deadline was spent on the other"
            + " URLs");
  }

  /** URLs that differ only in their path keep it (the wrong one is what to fix), as do schemes that differ. */
  @Test
  void thePartsThatTellUrlsApartStay() {
    Map<String, String> failures = new LinkedHashMap<>();
    failures.put("http://registry:8081/apis/ccompat/v7", "HTTP 503");
    failures.put("https://registry:8081", "not the API root (HTTP 404)");
    String reason = EachRegistryUrl.reason(failed(failures, false), ROOM);
    assertThat(reason).isEqualTo("each registry.url failed: http://registry:8081/apis/ccompat/v7: HTTP 503 (check"
        + " its log and any proxy in front); https://registry:8081: not the API root (HTTP 404) (check its path in"
        + " registry.url)");
  }

  /** Too many URLs for the cap even when short: each gets its share, none is left out. */
  @Test
  void manyUrlsShareTheRoomAndEachIsStillNamed() {
    Map<String, String> failures = new LinkedHashMap<>();
    for (int i = 0; i < 8; i++) {
      failures.put("http://registry-replica-" + i + ":8081", "IOException: an unusually long story of what went wrong");
    }
    String reason = EachRegistryUrl.reason(failed(failures, false), ROOM);
    assertThat(reason).hasSizeLessThanOrEqualTo(ROOM).isEqualTo("no registry.url answered (registry-replica-<n>:8081):"
        + " 0, 1, 2, 3, 4, 5, 6, 7: IOException: an unusually long story of what went wrong; check that the registry"
        + " runs behind each");
  }

  /**
   * Ten in-cluster names (a StatefulSet's pods behind a headless Service): each entry's equal share cut them to
   * "schema-regist..." ten times over, no URL told apart and no failure left, in readiness and the probe alike. Now the
   * URLs that failed alike share their words, and the name's shared beginning and end are written once.
   */
  @Test
  void tenInClusterNamesAreEachToldApartWithWhatTheyDid() {
    Map<String, String> refusal = new LinkedHashMap<>();
    Map<String, String> silent = new LinkedHashMap<>();
    Map<String, String> apart = new LinkedHashMap<>();
    String[] kinds = {"HTTP 503", "connection refused", "no answer within 10000 ms", "host name does not resolve",
        "TLS handshake failed", "certificate not trusted", "HTTP 401, login refused", "not the API root (HTTP 404)",
        "HTTP 502 not from the registry", "not tried: the call's deadline had passed"};
    for (int i = 0; i < 10; i++) {
      String url = "http://schema-registry-" + i + ".schema-registry-headless.kafka-prod.svc.cluster.local:8081"
          + "/apis/ccompat/v7";
      refusal.put(url, i == 0 ? "HTTP 401, login refused" : i < 5 ? "no answer within 1000 ms"
          : "not asked: the login was refused first");
      silent.put(url, "no answer within 3000 ms");
      apart.put(url, kinds[i]);
    }

    assertThat(EachRegistryUrl.reason(RegistryRequestException.refusedLogin("refused", 401, refusal), ROOM))
        .isEqualTo("at each registry.url (schema-registry-<n>:8081): 0: HTTP 401, login refused; 1, 2, 3, 4: no answer"
            + " within 1000 ms; 5, 6, 7, 8, 9: not asked: the login was refused first");
    assertThat(EachRegistryUrl.reason(failed(silent, false), RegistryProbe.MAX_WORDS))
        .isEqualTo("no registry.url answered (schema-registry-<n>:8081): 0, 1, 2, 3, 4, 5, 6, 7, 8, 9: no answer within"
            + " 3000 ms; check that the registry runs behind each");
    String each = EachRegistryUrl.reason(failed(apart, false), ROOM);
    assertThat(each).hasSizeLessThanOrEqualTo(ROOM).startsWith("at each registry.url (schema-registry-<n>:8081): 0:"
        + " HTTP 503; 1: ");
    for (int i = 1; i < 10; i++) {
      assertThat(each).contains("; " + i + ": " + kinds[i].substring(0, 4));
    }
  }

  /**
   * Every URL's host name that does not resolve (a Service's name or namespace mistyped): the shared note said "check
   * that the registry runs behind each", where there is no registry to look for; the one-URL reason names the host
   * name and DNS, and so does this now.
   */
  @Test
  void hostNamesThatDoNotResolveAreSentToTheNamesAndDnsNotToTheRegistry() {
    String unresolved = "host name does not resolve";
    String reason = EachRegistryUrl.whole(failed(two(unresolved, unresolved), false));
    assertThat(reason).startsWith("no registry.url answered: ").endsWith(": host name does not resolve; check the host"
        + " names in registry.url and this host's DNS");
  }

  /** Every URL answering with an HTTP error is the probe's "answering with errors"; one silent beside it is not. */
  @Test
  void urlsThatEachAnsweredAnErrorAreAnsweringWithErrorsNotUnreachable() {
    assertThat(RegistryProbe.state(failed(two("HTTP 503", "HTTP 502 not from the registry"), false)))
        .isEqualTo(DependencyProbe.ANSWERING_WITH_ERRORS);
    assertThat(RegistryProbe.state(failed(two("HTTP 503", "connection refused"), false)))
        .isEqualTo(DependencyProbe.UNREACHABLE);
  }

  private static Map<String, String> two(String first, String second) {
    Map<String, String> failures = new LinkedHashMap<>();
    failures.put("http://schema-registry-0.registry.kafka.svc.cluster.local:8081/apis/ccompat/v7", first);
    failures.put("http://schema-registry-1.registry.kafka.svc.cluster.local:8081/apis/ccompat/v7", second);
    return failures;
  }

  /**
   * Two URLs that both answered 503: "no registry.url answered ...; check that the registry runs behind each" sent the
   * operator to the network for a registry that answered, and the give-up called it "still unreachable".
   */
  @Test
  void twoUrlsAnswering503SayTheyFailedAndToCheckTheRegistrysLogNotThatNoneAnswered() {
    RegistryUnavailableException e = failed(two("HTTP 503", "HTTP 503"), false);

    assertThat(EachRegistryUrl.reason(e, ROOM)).hasSizeLessThanOrEqualTo(ROOM)
        .isEqualTo("each registry.url failed: schema-registry-0:8081: HTTP 503; schema-registry-1:8081: HTTP 503;"
            + " check the registry's log, and the load balancer or proxy in front of it");
    assertThat(EachRegistryUrl.whole(e)).startsWith("each registry.url failed: http://schema-registry-0.")
        .endsWith("; check the registry's log, and the load balancer or proxy in front of it");
    assertThat(EachRegistryUrl.state(e)).isEqualTo("answered, but start-up's requests still failed");
  }

  /**
   * A 503 beside a refused connection: one note for both told the 503's operator to check that a registry runs, and
   * the give-up said "still unreachable" of a registry that answered at one URL. Now each URL has its own advice, and
   * the give-up says where it answered and where not.
   */
  @Test
  void a503BesideARefusedConnectionGivesEachUrlItsOwnAdviceAndTheGiveUpSaysWhichAnswered() {
    RegistryUnavailableException e = failed(two("HTTP 503", "connection refused"), false);

    assertThat(EachRegistryUrl.reason(e, ROOM)).hasSizeLessThanOrEqualTo(ROOM)
        .isEqualTo("each registry.url failed: schema-registry-0:8081: HTTP 503 (check its log and any proxy in"
            + " front); schema-registry-1:8081: connection refused (check that a registry runs there)");
    assertThat(EachRegistryUrl.whole(e)).contains(".cluster.local:8081/apis/ccompat/v7: HTTP 503 (check its log")
        .doesNotContain("runs behind each");
    assertThat(EachRegistryUrl.state(e)).isEqualTo("answered at 1 of its 2 URLs, but start-up's requests still"
        + " failed there; still unreachable at the other");
  }

  /**
   * A certificate this host refuses beside a refused connection (no stop: one URL is an outage): the note said to check
   * that the registry runs, and nothing named the trust store; a TLS handshake that failed (https to a plain port)
   * named neither the scheme.
   */
  @Test
  void aTlsFailureBesideARefusedConnectionNamesTheTrustStoreOrTheSchemeForThatUrl() {
    RegistryUnavailableException untrusted = failed(two("certificate not trusted", "connection refused"), false);
    RegistryUnavailableException noTls = failed(two("TLS handshake failed", "connection refused"), false);

    assertThat(EachRegistryUrl.reason(untrusted, ROOM)).hasSizeLessThanOrEqualTo(ROOM)
        .isEqualTo("each registry.url failed: schema-registry-0:8081: certificate not trusted (check"
            + " registry.ssl.truststore.location); schema-registry-1:8081: connection refused (check that a registry"
            + " runs there)");
    assertThat(EachRegistryUrl.reason(noTls, ROOM)).hasSizeLessThanOrEqualTo(ROOM)
        .contains("schema-registry-0:8081: TLS handshake failed (check http or https in registry.url); ")
        .contains("schema-registry-1:8081: connection refused (check that a registry runs there)");
    assertThat(EachRegistryUrl.state(untrusted)).startsWith("answered at 1 of its 2 URLs");
  }

  /**
   * The registry refusing this host's client certificate at one URL, a refused connection at the other: the refusal
   * read as an outage ("no registry.url answered"), and nothing named the client key store. Now its own advice; and
   * where each URL refused it, one note naming the key store.
   */
  @Test
  void aRefusedClientCertificateNamesTheKeyStoreForThatUrl() {
    String refused = "client certificate refused (TLS alert bad_certificate)";
    RegistryUnavailableException e = failed(two(refused, "connection refused"), false);

    assertThat(EachRegistryUrl.whole(e)).contains(":8081/apis/ccompat/v7: " + refused + " (check"
        + " registry.ssl.keystore.location); http://").endsWith(": connection refused (check that a registry runs"
        + " there)");
    assertThat(EachRegistryUrl.reason(failed(Map.of("https://10.0.0.1:8443", refused, "https://10.0.0.2:8443",
        "connection refused"), false), ROOM)).hasSizeLessThanOrEqualTo(ROOM)
        .contains("10.0.0.1:8443: " + refused + " (check registry.ssl.keystore.location)");
    assertThat(EachRegistryUrl.whole(failed(two(refused, refused), false))).startsWith("each registry.url failed: ")
        .endsWith("; check registry.ssl.keystore.location, and that the registry trusts its CA");
    assertThat(EachRegistryUrl.state(e)).startsWith("answered at 1 of its 2 URLs");
  }

  /**
   * A handshake_failure alert, which a server sends for no cipher suite in common as for a missing client certificate:
   * its URL named the key store alone. Now the ciphers too, per URL and in the shared note.
   */
  @Test
  void aHandshakeFailureNamesTheCiphersBesideTheKeyStore() {
    String failure = "client certificate wanted, or no cipher in common (TLS alert handshake_failure)";

    assertThat(EachRegistryUrl.whole(failed(two(failure, "connection refused"), false)))
        .contains(failure + " (check registry.ssl.keystore.location, or its TLS ciphers)");
    assertThat(EachRegistryUrl.whole(failed(two(failure, failure), false)))
        .endsWith("; check registry.ssl.keystore.location, and that the registry trusts its CA, or its TLS ciphers");
    assertThat(EachRegistryUrl.whole(failed(two("client certificate refused (TLS alert bad_certificate)", failure),
        false))).endsWith("; check registry.ssl.keystore.location, and that the registry trusts its CA");
  }

  /**
   * A refused login at one URL beside a silent one: the refusal alone was told (the silent URL's failure dropped, or
   * never asked). Now each URL, the refusing one with the credentials' setting, the silent one with reachability.
   */
  @Test
  void aRefusedLoginBesideASilentUrlNamesBothEachWithWhatToCheck() {
    RegistryRequestException e = RegistryRequestException.refusedLogin("registry refused", 401,
        two("HTTP 401, login refused", "no answer within 10000 ms"));

    assertThat(EachRegistryUrl.reason(e, ROOM)).hasSizeLessThanOrEqualTo(ROOM)
        .isEqualTo("each registry.url failed: schema-registry-0:8081: HTTP 401, login refused (check"
            + " registry.basic-auth.user-info); schema-registry-1:8081: no answer within 10000 ms (check that it"
            + " runs and is reachable)");
  }

  /**
   * A refused login beside a URL not asked (the start-up's request ends at the refusal) or one that accepted the login
   * (the probe asks on after a refusal): "each registry.url failed" said that URL failed too; so did a 503 beside a URL
   * the call's deadline left untried. The heading then says only that each URL follows.
   */
  @Test
  void aUrlNotAskedOrThatAcceptedTheLoginIsNotSaidToHaveFailed() {
    RegistryRequestException notAsked = RegistryRequestException.refusedLogin("registry refused", 401,
        two("HTTP 401, login refused", "not asked: the login was refused first"));
    RegistryRequestException accepted = RegistryRequestException.refusedLogin("registry refused", 401,
        two("HTTP 401, login refused", dev.advmon.registry.HttpSchemaRegistryClient.LOGIN_ACCEPTED));
    RegistryUnavailableException untried = failed(two("HTTP 503", "not tried: the call's deadline had passed"), true);

    assertThat(EachRegistryUrl.whole(notAsked)).isEqualTo("at each registry.url: http://schema-registry-0.registry"
        + ".kafka.svc.cluster.local:8081/apis/ccompat/v7: HTTP 401, login refused (check"
        + " registry.basic-auth.user-info); http://schema-registry-1.registry.kafka.svc.cluster.local:8081/apis/ccompat"
        + "/v7: not asked: the login was refused first");
    assertThat(EachRegistryUrl.reason(accepted, ROOM)).isEqualTo("at each registry.url: schema-registry-0:8081: HTTP"
        + " 401, login refused (check registry.basic-auth.user-info); schema-registry-1:8081: answered, login"
        + " accepted");
    assertThat(EachRegistryUrl.reason(untried, ROOM)).startsWith("at each registry.url: schema-registry-0:8081: HTTP"
        + " 503");
  }

  /**
   * A URL the call's deadline left untried beside two silent ones: the give-up called all three "still unreachable",
   * though nothing was asked at the third. Now it says so, and why.
   */
  @Test
  void aUrlTheDeadlineLeftUntriedIsSaidNotTriedNotUnreachable() {
    Map<String, String> failures = two("no answer within 3333 ms", "no answer within 1666 ms");
    failures.put("http://schema-registry-2.registry.kafka.svc.cluster.local:8081/apis/ccompat/v7",
        "not tried: the call's deadline was spent on the other URLs");
    Map<String, String> answered = two("HTTP 503", "not tried: the call's deadline was spent on the other URLs");

    assertThat(EachRegistryUrl.state(failed(failures, true))).isEqualTo("still unreachable at 2 of its 3 URLs; not"
        + " tried at the other (the call's deadline was spent before its turn)");
    assertThat(EachRegistryUrl.state(failed(answered, true))).isEqualTo("answered at 1 of its 2 URLs, but start-up's"
        + " requests still failed there; not tried at the other (the call's deadline was spent before its turn)");
  }

  /** URLs that did not answer at all are still "no registry.url answered", with the one note they share. */
  @Test
  void outagesAloneKeepTheirHeadingAndSharedNote() {
    RegistryUnavailableException e = failed(two("connection refused", "no answer within 500 ms"), false);

    assertThat(EachRegistryUrl.reason(e, ROOM)).startsWith("no registry.url answered: ")
        .endsWith("; check that the registry runs behind each").doesNotContain("(check");
    assertThat(EachRegistryUrl.state(e)).isEqualTo("still unreachable");
  }
}
