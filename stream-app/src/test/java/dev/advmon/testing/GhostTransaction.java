package dev.advmon.testing;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.TxnOffsetCommitRequest;
import org.apache.kafka.common.requests.TxnOffsetCommitResponse;

/**
 * Leaves a hanging transaction on a partition of a real broker: transactional records that no transaction
 * coordinator knows about, so no commit or abort marker will ever follow and the partition's last stable offset
 * stays before them until someone aborts them ({@code kafka-transactions.sh abort}, {@code Admin#abortTransaction}).
 *
 * <p>This is what a broker that lost track of a transaction leaves (seen here after a lone broker was killed with
 * {@code kill -9} mid-transaction, in about 4 of 10 runs), made on purpose and every time: a producer id is
 * allocated (InitProducerId without a transactional id) and a transactional batch is written with a produce request
 * of the version before transaction version 2, while the broker's partition verification
 * ({@code transaction.partition.verification.enable}, a dynamic broker setting) is off for that one request. No
 * Kafka client sends this on its own; the requests are written on a plain socket.
 *
 * <p>{@link #leaveOffsetCommitOpen} does the same to a consumer group's offsets: a transactional offset commit that
 * no coordinator knows, pending for good on the group's partition of {@code __consumer_offsets}, so that the group's
 * members cannot read their committed offsets ({@code UNSTABLE_OFFSET_COMMIT}), as a broker killed mid-transaction
 * leaves it.
 */
public final class GhostTransaction {

  /** A SASL/PLAIN user, for a broker that authenticates; the ghost needs one allowed to write (a super user). */
  public record Login(String user, String password) {
    /** The client settings that log in as this user. */
    public Map<String, Object> clientProperties() {
      return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN", "sasl.jaas.config",
          "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user + "\" password=\""
              + password + "\";");
    }
  }

  /** What was left: where, by which producer, from which offset. */
  public record Left(TopicPartition partition, long producerId, short producerEpoch, long startOffset) {}

  private static final String VERIFICATION = "transaction.partition.verification.enable";

  private GhostTransaction() {}

  /** Writes {@code records} transactional records to {@code partition} and leaves their transaction open. */
  public static Left leaveOpen(String bootstrapServers, TopicPartition partition, int records) throws Exception {
    return leaveOpen(bootstrapServers, null, partition, records);
  }

  /** The same on a broker whose listener authenticates with SASL/PLAIN, as {@code login}; null: it does not. */
  public static Left leaveOpen(String bootstrapServers, Login login, TopicPartition partition, int records)
      throws Exception {
    Map<String, Object> props = new java.util.HashMap<>(Map.of("bootstrap.servers", bootstrapServers));
    if (login != null) {
      props.putAll(login.clientProperties());
    }
    try (Admin admin = Admin.create(props)) {
      Node leader = admin.describeTopics(List.of(partition.topic())).allTopicNames().get(30, TimeUnit.SECONDS)
          .get(partition.topic()).partitions().get(partition.partition()).leader();
      ConfigResource brokers = new ConfigResource(ConfigResource.Type.BROKER, "");
      alter(admin, brokers, List.of(new AlterConfigOp(new ConfigEntry(VERIFICATION, "false"),
          AlterConfigOp.OpType.SET)));
      try (Socket socket = new Socket(leader.host(), leader.port())) {
        requireVerification(admin, leader.id(), false);
        socket.setSoTimeout(30_000);
        if (login != null) {
          logIn(socket, login);
        }
        InitProducerIdResponseData id = producerId(socket, 1);
        SimpleRecord[] batch = new SimpleRecord[records];
        for (int i = 0; i < records; i++) {
          batch[i] = new SimpleRecord(System.currentTimeMillis(), ("ghost-" + i).getBytes(), new byte[8]);
        }
        ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000)
            .setTransactionalId("ghost-" + id.producerId());
        ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData()
            .setName(partition.topic()).setPartitionData(List.of(new ProduceRequestData.PartitionProduceData()
                .setIndex(partition.partition()).setRecords(MemoryRecords.withTransactionalRecords(Compression.NONE,
                    id.producerId(), id.producerEpoch(), 0, batch))));
        data.topicData().add(topic);
        ProduceResponse produced = (ProduceResponse) call(socket, new ProduceRequest.Builder(
            ProduceRequest.LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2,
            ProduceRequest.LAST_STABLE_VERSION_BEFORE_TRANSACTION_V2, data), 2);
        var answer = produced.data().responses().iterator().next().partitionResponses().get(0);
        if (answer.errorCode() != Errors.NONE.code()) {
          throw new IllegalStateException("the transactional write to " + partition + " failed: "
              + Errors.forCode(answer.errorCode()) + " " + answer.errorMessage());
        }
        return new Left(partition, id.producerId(), id.producerEpoch(), answer.baseOffset());
      } finally {
        alter(admin, brokers, List.of(new AlterConfigOp(new ConfigEntry(VERIFICATION, ""),
            AlterConfigOp.OpType.DELETE)));
        applied(admin, leader.id(), true); // so the next ghost's wait for "false" sees its own change, not this one's
      }
    }
  }

  /**
   * Commits {@code offset} for {@code committed} in the name of consumer group {@code groupId}, in a transaction no
   * coordinator knows, and leaves it pending: the group must have no member then (a commit from outside the group is
   * accepted only while it is empty), as a stopped monitor's group has none.
   *
   * @return the producer that holds it; its transaction's start offset is on {@code __consumer_offsets}
   */
  public static long leaveOffsetCommitOpen(String bootstrapServers, String groupId, TopicPartition committed,
      long offset) throws Exception {
    try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrapServers))) {
      Node any = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).iterator().next();
      FindCoordinatorResponseData.Coordinator coordinator;
      try (Socket socket = new Socket(any.host(), any.port())) {
        socket.setSoTimeout(30_000);
        // the first question creates __consumer_offsets: COORDINATOR_NOT_AVAILABLE until it is loaded
        coordinator = untilNotRetriable(() -> ((FindCoordinatorResponse) call(socket, new FindCoordinatorRequest
            .Builder(new FindCoordinatorRequestData().setKeyType(FindCoordinatorRequest.CoordinatorType.GROUP.id())
                .setCoordinatorKeys(List.of(groupId))), 1)).data().coordinators().get(0),
            FindCoordinatorResponseData.Coordinator::errorCode);
      }
      if (coordinator.errorCode() != Errors.NONE.code()) {
        throw new IllegalStateException("no coordinator for group " + groupId + ": "
            + Errors.forCode(coordinator.errorCode()));
      }
      ConfigResource brokers = new ConfigResource(ConfigResource.Type.BROKER, "");
      alter(admin, brokers, List.of(new AlterConfigOp(new ConfigEntry(VERIFICATION, "false"),
          AlterConfigOp.OpType.SET)));
      try (Socket socket = new Socket(coordinator.host(), coordinator.port())) {
        requireVerification(admin, coordinator.nodeId(), false);
        socket.setSoTimeout(30_000);
        InitProducerIdResponseData id = producerId(socket, 1);
        TxnOffsetCommitResponse answer = (TxnOffsetCommitResponse) call(socket, new TxnOffsetCommitRequest.Builder(
            "ghost-" + id.producerId(), groupId, id.producerId(), id.producerEpoch(), Map.of(committed,
                new TxnOffsetCommitRequest.CommittedOffset(offset, "", java.util.Optional.empty())), false), 2);
        Errors error = answer.errors().get(committed);
        if (error != Errors.NONE) {
          throw new IllegalStateException("the transactional offset commit of group " + groupId + " failed: " + error);
        }
        return id.producerId();
      } finally {
        alter(admin, brokers, List.of(new AlterConfigOp(new ConfigEntry(VERIFICATION, ""),
            AlterConfigOp.OpType.DELETE)));
        applied(admin, coordinator.nodeId(), true); // as in leaveOpen
      }
    }
  }

  /** SASL/PLAIN on a fresh connection: the handshake, then the user and password (RFC 4616). */
  private static void logIn(Socket socket, Login login) throws IOException {
    org.apache.kafka.common.requests.SaslHandshakeResponse handshake =
        (org.apache.kafka.common.requests.SaslHandshakeResponse) call(socket,
            new org.apache.kafka.common.requests.SaslHandshakeRequest.Builder(
                new org.apache.kafka.common.message.SaslHandshakeRequestData().setMechanism("PLAIN")), 100);
    if (handshake.error() != Errors.NONE) {
      throw new IllegalStateException("SASL handshake refused: " + handshake.error());
    }
    byte[] plain = ("\0" + login.user() + "\0" + login.password()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    org.apache.kafka.common.requests.SaslAuthenticateResponse answer =
        (org.apache.kafka.common.requests.SaslAuthenticateResponse) call(socket,
            new org.apache.kafka.common.requests.SaslAuthenticateRequest.Builder(
                new org.apache.kafka.common.message.SaslAuthenticateRequestData().setAuthBytes(plain)), 101);
    if (answer.error() != Errors.NONE) {
      throw new IllegalStateException("SASL login as " + login.user() + " refused: " + answer.errorMessage());
    }
  }

  /** A producer id without a transactional id, as the broker on {@code socket} allocates it. */
  private static InitProducerIdResponseData producerId(Socket socket, int correlation) throws Exception {
    // a fresh broker answers COORDINATOR_LOAD_IN_PROGRESS for a while
    InitProducerIdResponseData id = untilNotRetriable(() -> ((InitProducerIdResponse) call(socket,
        new InitProducerIdRequest.Builder(new InitProducerIdRequestData().setTransactionalId(null)
            .setTransactionTimeoutMs(60_000)), correlation)).data(), InitProducerIdResponseData::errorCode);
    if (id.errorCode() != Errors.NONE.code()) {
      throw new IllegalStateException("InitProducerId failed: " + Errors.forCode(id.errorCode()));
    }
    return id;
  }

  /** Asks again while the answer is a retriable error, for up to 30 s; the last answer, whatever it is. */
  private static <T> T untilNotRetriable(java.util.concurrent.Callable<T> ask,
      java.util.function.ToIntFunction<T> errorCode) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      T answer = ask.call();
      if (!retriable((short) errorCode.applyAsInt(answer)) || System.nanoTime() >= deadline) {
        return answer;
      }
      Thread.sleep(100); // a retry back-off, not a wait for a condition
    }
  }

  private static boolean retriable(short errorCode) {
    return errorCode != Errors.NONE.code()
        && Errors.forCode(errorCode).exception() instanceof org.apache.kafka.common.errors.RetriableException;
  }

  /**
   * Waits until broker {@code nodeId} has applied {@code enabled} for the transactions' partition verification, and
   * fails naming it where it has not within 2 minutes: the controller accepts a change before each broker applies it
   * from the metadata log, and a write in between met verification still on (INVALID_PRODUCER_ID_MAPPING, on a
   * loaded CI machine).
   */
  private static void requireVerification(Admin admin, int nodeId, boolean enabled) throws Exception {
    if (!applied(admin, nodeId, enabled)) {
      throw new IllegalStateException("broker " + nodeId + " did not apply " + VERIFICATION + "=" + enabled
          + " within 2 minutes");
    }
  }

  /** Whether broker {@code nodeId} says {@code enabled} for the partition verification within 2 minutes. */
  private static boolean applied(Admin admin, int nodeId, boolean enabled) throws Exception {
    ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, Integer.toString(nodeId));
    return Await.until(() -> {
      try {
        ConfigEntry entry = admin.describeConfigs(List.of(broker)).all().get(30, TimeUnit.SECONDS).get(broker)
            .get(VERIFICATION);
        return entry != null && Boolean.parseBoolean(entry.value()) == enabled;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        return false; // asked again until the deadline
      }
    }, java.time.Duration.ofMinutes(2));
  }

  private static void alter(Admin admin, ConfigResource resource, Collection<AlterConfigOp> ops) throws Exception {
    admin.incrementalAlterConfigs(Map.of(resource, ops)).all().get(30, TimeUnit.SECONDS);
  }

  private static AbstractResponse call(Socket socket, AbstractRequest.Builder<?> builder, int correlationId)
      throws IOException {
    // the version the builder settles on: a TxnOffsetCommit without transaction version 2 builds the one before it
    AbstractRequest request = builder.build(builder.latestAllowedVersion());
    RequestHeader header = new RequestHeader(request.apiKey(), request.version(), "ghost-transaction",
        correlationId);
    ByteBuffer out = request.serializeWithHeader(header);
    DataOutputStream to = new DataOutputStream(socket.getOutputStream());
    to.writeInt(out.remaining());
    to.write(out.array(), out.arrayOffset() + out.position(), out.remaining());
    to.flush();
    DataInputStream from = new DataInputStream(socket.getInputStream());
    byte[] answer = new byte[from.readInt()];
    from.readFully(answer);
    return AbstractResponse.parseResponse(ByteBuffer.wrap(answer), header);
  }
}
