package dev.advmon.topology;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.Test;

class FailuresTest {

  @Test
  void aCommitRefusedAfterTheBrokerAbortedTheTransactionSaysWhyAndThatNothingIsLost() {
    // as Kafka Streams reports it when the coordinator aborted the transaction on its timer during a partition
    StreamsException e = new StreamsException("Error encountered trying to commit a transaction",
        new InvalidTxnStateException("The producer attempted a transactional operation in an invalid state."));
    assertThat(Failures.classify(e)).isEqualTo(Failures.Kind.SYSTEMIC);
    assertThat(Failures.describe(e))
        .startsWith("InvalidTxnStateException: The producer attempted a transactional operation in an invalid state.")
        .contains("streams.transaction-timeout-ms").contains("aborted").contains("processed again");
  }

  /**
   * A running monitor that stops because one of several registry URLs refused the login: the stop named the refusing
   * URL alone (the refusal's message), a down one beside it dropped. Now each URL and what it did, as the start-up's
   * stop says it.
   */
  @Test
  void aRefusedLoginAtOneOfSeveralRegistryUrlsStopsNamingEachUrlWithWhatToCheck() {
    java.util.Map<String, String> failures = new java.util.LinkedHashMap<>();
    failures.put("http://registry-a:8081", "connection refused");
    failures.put("http://registry-b:8081", "HTTP 401, login refused");
    StreamsException e = new StreamsException("Exception caught in process", new StreamsException("deserializing",
        dev.advmon.registry.RegistryRequestException.refusedLogin("registry http://registry-b:8081 refused to fetch"
            + " schema id 7 (HTTP 401): Unauthorized", 401, failures)));

    assertThat(Failures.classify(e)).isEqualTo(Failures.Kind.FATAL);
    assertThat(Failures.describe(e)).isEqualTo("schema registry at http://registry-a:8081,http://registry-b:8081"
        + " (registry.url) refused the monitor's login: each registry.url failed: http://registry-a:8081: connection"
        + " refused (check that a registry runs there); http://registry-b:8081: HTTP 401, login refused (check"
        + " registry.basic-auth.user-info) (registry client: registry http://registry-b:8081 refused to fetch schema"
        + " id 7 (HTTP 401): Unauthorized)");
  }

  /**
   * The same stop with three in-cluster URLs ran to about 900 characters in readiness and liveness (each URL in full
   * twice, then the refusal's words): what they carry is bounded, each URL still named with what it did, while the log
   * line keeps the whole.
   */
  @Test
  void aRefusedLoginAtOneOfThreeInClusterUrlsIsBoundedInHealthEachUrlStillNamed() {
    java.util.Map<String, String> failures = new java.util.LinkedHashMap<>();
    String url = "https://schema-registry-%d.schema-registry-headless.kafka.svc.cluster.local:8081/apis/ccompat/v7";
    failures.put(String.format(url, 0), "no answer within 5000 ms");
    failures.put(String.format(url, 1), "HTTP 401, login refused");
    failures.put(String.format(url, 2), "connection refused");
    StreamsException e = new StreamsException("Exception caught in process", dev.advmon.registry
        .RegistryRequestException.refusedLogin("registry " + String.format(url, 1) + " refused to fetch schema id 7"
            + " (HTTP 401): {\"error_code\":40101,\"message\":\"Unauthorized: the credentials are not valid\"}", 401,
            failures));

    String whole = Failures.describe(e);
    String brief = Failures.brief(e);

    assertThat(whole).hasSizeGreaterThan(Failures.MAX_HEALTH_WORDS).contains(String.format(url, 0))
        .contains(String.format(url, 1)).contains(String.format(url, 2)).contains("error_code");
    assertThat(brief).hasSizeLessThanOrEqualTo(Failures.MAX_HEALTH_WORDS)
        .startsWith("schema registry (registry.url) refused the monitor's login: ")
        .contains("schema-registry-0.schema-registry-headless.kafka.svc.cluster.local:8081: no answer within 5000 ms")
        .contains("schema-registry-1.schema-registry-headless.kafka.svc.cluster.local:8081: HTTP 401, login refused"
            + " (check registry.basic-auth.user-info)")
        .contains("schema-registry-2.schema-registry-headless.kafka.svc.cluster.local:8081: connection refused");
    // a failure of one URL, or no refused login, reads as before
    IllegalStateException other = new IllegalStateException("x".repeat(800));
    assertThat(Failures.brief(other)).isEqualTo(Failures.describe(other))
        .hasSize(Failures.MAX_HEALTH_WORDS + "...".length());
  }

  @Test
  void theRegistryRefusingOrMissingAnOutputSchemaIsSystemicWhileAFramesUnknownIdIsTheFramesOwn() {
    assertThat(Failures.classify(new dev.advmon.registry.SchemaRegistrationException("verdicts-value", 409,
        "incompatible"))).isEqualTo(Failures.Kind.SYSTEMIC);
    assertThat(Failures.classify(dev.advmon.registry.SchemaNotFoundException.forSubject("alerts-value", "reg",
        "register it first"))).isEqualTo(Failures.Kind.SYSTEMIC);
    assertThat(Failures.classify(dev.advmon.registry.SchemaNotFoundException.forId(42, "reg")))
        .as("a frame written against another registry: UNKNOWN_SCHEMA").isEqualTo(Failures.Kind.RECORD);
    assertThat(Failures.classify(new org.apache.kafka.common.errors.SerializationException("a null in a required field")))
        .isEqualTo(Failures.Kind.RECORD);
  }

  @Test
  void aMissingAclInKafkaStreamsStopsTheMonitorNamingWhatToGrantInsteadOfRestartingForEver() {
    // as the stream thread reports them with one of the KafkaUser's ACLs withheld (seen on an authorizing broker)
    StreamsException group = new StreamsException(new org.apache.kafka.common.errors.GroupAuthorizationException(
        "Not authorized to access group: advmon", "advmon"));
    assertThat(Failures.classify(group)).isEqualTo(Failures.Kind.FATAL);
    assertThat(Failures.hint(group)).contains("Read and Describe on the group advmon").contains("kafka-acls.sh")
        .contains("k8s/strimzi/user.yaml");

    StreamsException frames = new StreamsException(new org.apache.kafka.common.errors.TopicAuthorizationException(
        java.util.Set.of("frames")));
    assertThat(Failures.classify(frames)).isEqualTo(Failures.Kind.FATAL);
    assertThat(Failures.hint(frames)).contains("topics [frames]").contains("Read").contains("Write");

    // Kafka Streams creating its internal topics without Create: the broker's answer names no topic
    StreamsException create = new StreamsException(new org.apache.kafka.common.errors.TopicAuthorizationException(
        "Authorization failed."));
    assertThat(Failures.hint(create)).contains("Create").contains("streams.application-id");

    StreamsException txn = new StreamsException(new org.apache.kafka.common.errors.TransactionalIdAuthorizationException(
        "Transactional Id authorization failed."));
    assertThat(Failures.classify(txn)).isEqualTo(Failures.Kind.FATAL);
    assertThat(Failures.hint(txn)).contains("Write and Describe on the transactional ids");

    StreamsException cluster = new StreamsException(new org.apache.kafka.common.errors.ClusterAuthorizationException(
        "Cluster authorization failed."));
    assertThat(Failures.classify(cluster)).isEqualTo(Failures.Kind.FATAL);
    assertThat(Failures.hint(cluster)).contains("IdempotentWrite");
  }

  @Test
  void theAclAdviceOfARunningMonitorIsACommandForItsOwnBrokerPrincipalAndResource() {
    java.util.Map<String, Object> streams = java.util.Map.of("bootstrap.servers", "kafka-0:9093",
        "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"advmon\""
            + " password=\"secret\";", "application.id", "cams");
    String grant = "kafka-acls.sh --bootstrap-server kafka-0:9093 --command-config admin.properties --add"
        + " --allow-principal User:advmon";

    assertThat(Failures.hint(new StreamsException(new org.apache.kafka.common.errors.GroupAuthorizationException(
        "Not authorized to access group: cams", "cams")), streams))
        .contains(grant + " --operation Read --operation Describe --group cams");
    assertThat(Failures.hint(new org.apache.kafka.common.errors.TransactionalIdAuthorizationException(
        "Transactional Id authorization failed."), streams))
        .contains(grant + " --operation Write --operation Describe --transactional-id cams- --resource-pattern-type"
            + " prefixed");
    assertThat(Failures.hint(new org.apache.kafka.common.errors.ClusterAuthorizationException(
        "Cluster authorization failed."), streams))
        .contains(grant + " --operation IdempotentWrite --operation Describe --cluster");
    assertThat(Failures.hint(new org.apache.kafka.common.errors.TopicAuthorizationException("Authorization failed."),
        streams)).contains(grant + " --operation Create --operation Delete").contains("--topic cams-");
    assertThat(Failures.hint(new org.apache.kafka.common.errors.GroupAuthorizationException("refused", "cams")))
        .as("without the settings: placeholders naming them")
        .contains("--bootstrap-server HOST:PORT").contains("User:USERNAME");
  }

  @Test
  void aLoginTheBrokerRefusesWhileRunningStopsTheMonitorNamingTheLoginSettings() {
    // as the stream thread reports it once the broker no longer accepts the monitor's password (seen on a SCRAM broker)
    StreamsException refused = new StreamsException(new org.apache.kafka.common.errors.SaslAuthenticationException(
        "Authentication failed during re-authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256"));
    assertThat(Failures.classify(refused)).isEqualTo(Failures.Kind.FATAL);
    assertThat(Failures.hint(refused)).contains("refuses the monitor's login").contains("kafka.sasl.jaas.config")
        .contains("kafka.sasl.mechanism").contains("kafka.security.protocol");
  }

  @Test
  void aRegistryCertificateNoLongerTrustedWhileRunningStopsTheMonitorNamingTheTrustStoreNotTheUrl() {
    // the registry's certificate renewed by a CA the trust store lacks: the same certificate on every try, and the
    // monitor reads registry.ssl.* only when it starts
    StreamsException untrusted = new StreamsException(dev.advmon.registry.RegistryRequestException.untrusted(
        "this host does not trust the certificate of the registry at https://reg:443", null));
    assertThat(Failures.classify(untrusted)).isEqualTo(Failures.Kind.FATAL);
    assertThat(Failures.hint(untrusted)).contains("registry.ssl.truststore.location")
        .doesNotContain("check registry.url");
  }
}
