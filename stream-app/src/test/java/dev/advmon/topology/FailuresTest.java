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
}
