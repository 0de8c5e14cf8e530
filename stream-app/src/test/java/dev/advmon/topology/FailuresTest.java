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
}
