package dev.advmon.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.DescribeConfigsResult;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import dev.advmon.health.StartupWaits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure the monitor's topics exist before the topology starts: creates the missing ones, or (when it may
 * not) fails naming exactly which are missing. While the broker is unreachable it retries and says so in the
 * log, instead of dying or hanging silently.
 */
public final class TopicAdmin {

  private static final Logger log = LoggerFactory.getLogger(TopicAdmin.class);

  /** This wait's name in readiness while starting. */
  static final String DEPENDENCY = "Kafka";

  private final Map<String, Object> adminProperties;
  /** Kafka 3.x's single limit on record timestamps, before before/after.max.ms (removed from Kafka 4's clients). */
  static final String TIMESTAMP_DIFFERENCE_MAX_MS = "message.timestamp.difference.max.ms";

  private final java.util.function.Function<Map<String, Object>, Admin> adminFactory;
  private final StartupWaits waits;
  private final Pause pause;
  /** What the bootstrap addresses do, looked at only after a try that got no answer (BrokerAddresses). */
  private final java.util.function.Function<Object, BrokerAddresses.Findings> addressLook;
  /** Pause between looks for topics the broker has listed or created but does not describe yet (checkConfigs). */
  static final long UNKNOWN_TOPIC_RETRY_MS = 100;
  /** Quick looks at such topics (about 3 s) before the wait of startup.retry-interval-ms, with a WARN, takes over. */
  static final int UNKNOWN_TOPIC_RETRIES = 30;

  /** A topic's setting and where its value came from, for the missing-topics error (null: not known here). */
  private java.util.function.UnaryOperator<String> topicSetting = t -> null;
  /** Where topics.create's value came from (null: not known here). */
  private String createOrigin;

  /** How the start-up waits between tries: Thread.sleep, or in tests a recorder, so that no test waits for real. */
  @FunctionalInterface
  interface Pause {
    void sleep(long ms) throws InterruptedException;
  }

  /**
   * Has the missing-topics error (topics.create=false) name each missing topic's setting and where each value came
   * from: an operator told "[nosuch-verdicts]; set topics.create=true" edited the file while ADVMON_TOPICS_CREATE
   * (which wins over it) kept the value, and had to guess which setting named that topic.
   */
  public TopicAdmin namingSettings(java.util.function.UnaryOperator<String> topicSetting, String createOrigin) {
    this.topicSetting = topicSetting;
    this.createOrigin = createOrigin;
    return this;
  }

  /** The missing topics, each with its setting where known: {@code nosuch (topics.verdicts, from environment X)}. */
  private String missingNamed(List<String> missing) {
    return missing.stream().map(t -> {
      String setting = topicSetting.apply(t);
      return setting == null ? t : t + " (" + setting + ")";
    }).toList().toString();
  }

  /**
   * An admin client of the monitor's Kafka settings named {@code clientId}, whose every call gives up after
   * {@code timeout}: for the short look-ups a running monitor makes (the group's members at close, a topic's partitions).
   */
  static Admin bounded(Map<String, Object> kafkaClientProperties, String clientId, java.time.Duration timeout) {
    Map<String, Object> props = new java.util.HashMap<>(kafkaClientProperties);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
    return Admin.create(props);
  }

  public TopicAdmin(Map<String, Object> kafkaClientProperties) {
    this(kafkaClientProperties, new StartupWaits());
  }

  /** As above, telling {@code waits} (readiness while starting) why the broker is still waited for. */
  public TopicAdmin(Map<String, Object> kafkaClientProperties, StartupWaits waits) {
    this(kafkaClientProperties, Admin::create, waits, waits::pause, BrokerAddresses::look);
  }

  /**
   * As above, with the admin client made by {@code adminFactory} (tests). A fake admin client has no addresses to look
   * at: a silence is told as today, with no look at kafka.bootstrap.servers.
   */
  TopicAdmin(Map<String, Object> kafkaClientProperties, java.util.function.Function<Map<String, Object>, Admin> adminFactory,
      StartupWaits waits) {
    this(kafkaClientProperties, adminFactory, waits, waits::pause);
  }

  /** As above, pausing between tries with {@code pause} (tests: to see how long it would have waited). */
  TopicAdmin(Map<String, Object> kafkaClientProperties, java.util.function.Function<Map<String, Object>, Admin> adminFactory,
      StartupWaits waits, Pause pause) {
    this(kafkaClientProperties, adminFactory, waits, pause, servers -> BrokerAddresses.Findings.NONE);
  }

  /**
   * As above, looking at the addresses of kafka.bootstrap.servers with {@code addressLook} after a try that got no
   * answer ({@link BrokerAddresses#look}), to say a refused port or a host name that does not resolve.
   */
  TopicAdmin(Map<String, Object> kafkaClientProperties,
      java.util.function.Function<Map<String, Object>, Admin> adminFactory, StartupWaits waits, Pause pause,
      java.util.function.Function<Object, BrokerAddresses.Findings> addressLook) {
    this.addressLook = addressLook;
    this.pause = pause;
    this.adminProperties = new java.util.HashMap<>(kafkaClientProperties);
    adminProperties.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    adminProperties.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
    this.adminFactory = adminFactory;
    this.waits = waits;
  }

  /**
   * Whether the broker may hide topics from the monitor's principal: false only when it says it has no authorizer
   * (describeAcls answers SecurityDisabledException, Kafka's default), where a topic not listed is not there. Any other
   * answer (the ACLs, a refusal to show them) or none within 5 s counts as maybe.
   */
  private static boolean mayHideTopics(Admin admin) throws InterruptedException {
    try {
      admin.describeAcls(org.apache.kafka.common.acl.AclBindingFilter.ANY,
          new org.apache.kafka.clients.admin.DescribeAclsOptions().timeoutMs(5_000)).values().get(10, TimeUnit.SECONDS);
      return true;
    } catch (ExecutionException e) {
      return !(e.getCause() instanceof org.apache.kafka.common.errors.SecurityDisabledException);
    } catch (TimeoutException e) {
      return true;
    }
  }

  /**
   * Waits until the broker answers, then creates missing topics (when {@code create}) or throws naming them.
   *
   * @param retryIntervalMs pause between tries while the broker is unreachable
   * @param maxWaitMs give up after this long; 0 = never
   */
  public void ensureTopics(List<String> topics, boolean create, int partitions, short replication,
      long retryIntervalMs, long maxWaitMs) throws InterruptedException {
    ensureTopics(topics, Map.of(), create, partitions, replication, retryIntervalMs, maxWaitMs);
  }

  /**
   * As above, and each topic in {@code minMessageBytes} must accept records of that many bytes
   * ({@code max.message.bytes}): set when the monitor creates it; raised on an existing topic when {@code create}
   * (the monitor manages its topics), else a start-up error naming the topic, its limit and the fix.
   */
  public void ensureTopics(List<String> topics, Map<String, Long> minMessageBytes, boolean create, int partitions,
      short replication, long retryIntervalMs, long maxWaitMs) throws InterruptedException {
    long start = System.currentTimeMillis();
    int attempt = 0;
    Admin admin = adminFactory.apply(adminProperties);
    boolean stopped = false;
    try {
      while (true) {
        attempt++;
        long tryStart = System.currentTimeMillis();
        // what this try got from the broker: that it answered, and the topics it was asked to create, if it was (a
        // request a broker forwards to the KRaft controller quorum), so that a failure past the answer is not
        // "unreachable"
        boolean answered = false;
        List<String> creating = null;
        try {
          Set<String> existing = admin.listTopics().names().get(15, TimeUnit.SECONDS);
          answered = true;
          waits.reached(DEPENDENCY);
          List<String> missing = topics.stream().filter(t -> !existing.contains(t)).distinct().toList();
          if (missing.isEmpty()) {
            log.info("Kafka at {}: topics {} present", adminProperties.get("bootstrap.servers"), topics);
            checkConfigs(admin, topics, minMessageBytes, create);
            return;
          }
          if (!create) {
            // the broker lists only the topics the principal may describe: a missing Describe looks like a missing topic
            String falseFrom = createOrigin == null ? "" : " (it is false, from " + createOrigin
                + (createOrigin.startsWith("environment ") ? ", which wins over the configuration file" : "") + ")";
            throw new IllegalStateException("topics missing on Kafka at " + adminProperties.get("bootstrap.servers")
                + ": " + missingNamed(missing) + "; create them, or set topics.create=true" + falseFrom
                + " to let the monitor create them"
                + (mayHideTopics(admin) ? ". If they do exist, " + AclAdvice.principal(adminProperties)
                    + " is not authorized to see them: the broker lists only the topics it may describe; grant it"
                    + " Describe (and what the KafkaUser of " + dev.advmon.model.ModelDocs.project("k8s/strimzi/user.yaml")
                    + " grants) on them" : ""));
          }
          List<NewTopic> newTopics = new ArrayList<>();
          for (String t : missing) {
            NewTopic topic = new NewTopic(t, Optional.of(partitions),
                replication < 0 ? Optional.empty() : Optional.of(replication));
            // explicit, as the broker's default (log.cleanup.policy) may be compact: see checkCleanupPolicy
            Map<String, String> configs = new java.util.HashMap<>(
                Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE));
            if (minMessageBytes.containsKey(t)) {
              configs.put(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Long.toString(minMessageBytes.get(t)));
            }
            topic.configs(configs);
            newTopics.add(topic);
          }
          try {
            creating = missing;
            admin.createTopics(newTopics).all().get(30, TimeUnit.SECONDS);
            creating = null;
          } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicAuthorizationException) {
              throw AclAdvice.forClient(adminProperties).refusedOnTopics("Create", missing, "create topics " + missing
                  + " (or, if they exist, see them: Describe)", e.getCause());
            }
            if (!(e.getCause() instanceof TopicExistsException)) { // another instance created it first: fine
              throw e;
            }
          }
          log.info("created topics {} ({} partitions)", missing, partitions);
          checkConfigs(admin, topics, minMessageBytes, create); // those another instance or an operator created first, too
          return;
        } catch (ExecutionException | TimeoutException e) {
          Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
          long waited = System.currentTimeMillis() - start;
          if (cause instanceof AuthorizationException refusal) {
            // the broker answered: waiting would never end (those on topics are named where they are asked)
            throw AclAdvice.forClient(adminProperties).refused("check the monitor's topics " + topics, refusal);
          }
          java.util.Optional<String> tls = BrokerTls.advice(cause);
          if (tls.isPresent()) {
            // an AuthenticationException too, but no login was tried: the certificate is what to fix
            throw new IllegalStateException("Kafka at " + adminProperties.get("bootstrap.servers")
                + " (kafka.bootstrap.servers): " + tls.get(), cause);
          }
          if (cause instanceof org.apache.kafka.common.errors.AuthenticationException refused) {
            // the broker answered and refused the login (wrong password or mechanism, a user not created yet):
            // waiting would never end, and "check that the broker is running" would point at the network
            throw new IllegalStateException("Kafka at " + adminProperties.get("bootstrap.servers")
                + " (kafka.bootstrap.servers) refused the monitor's login: " + refused.getMessage() + "; check "
                + Failures.LOGIN_SETTINGS, refused);
          }
          if (cause instanceof UnknownTopicOrPartitionException) {
            // only the config checks get this, past checkConfigs' quick looks: the broker answered, so not "unreachable"
            waitForUnknownTopics(topics, cause, attempt, waited, retryIntervalMs, maxWaitMs);
            continue;
          }
          Object servers = adminProperties.get("bootstrap.servers");
          long tryMs = System.currentTimeMillis() - tryStart;
          // a broker that answered this try is no outage: what failed after its answer, and what to check for that,
          // instead of "unreachable" and the address, the firewall and the protocol to check
          // Kafka's client retries a refused connection and a name that does not resolve until its call times out:
          // only then (never on a try that got an answer) a quick look at the addresses tells those apart
          BrokerAddresses.Findings found = !answered && BrokerSilence.silence(cause) ? addressLook.apply(servers)
              : BrokerAddresses.Findings.NONE;
          String what = answered ? BrokerSilence.afterAnswer(servers, cause, creating, tryMs)
              : BrokerSilence.what(servers, cause, tryMs, found);
          String check = answered ? BrokerSilence.checkAfterAnswer(cause, creating)
              : BrokerSilence.check(servers, found);
          String still = answered ? "Kafka at " + servers + " answered, but the topic check still failed"
              : "Kafka at " + servers + " still unreachable";
          // the registry's check failed meanwhile (waits.lastTry()): this try's outcome goes into the start's error
          IllegalStateException lastTry = new IllegalStateException(still + " when start-up stopped (try " + attempt
              + "): " + what + "; " + check + BrokerSilence.kafkaWords(cause), cause);
          if (waits.isLastTry()) {
            throw lastTry;
          }
          if (maxWaitMs > 0 && waited >= maxWaitMs) {
            throw new IllegalStateException(still + " after " + waited + " ms (startup.max-wait-ms=" + maxWaitMs
                + "): " + what + " on the last try; " + check + BrokerSilence.kafkaWords(cause), cause);
          }
          // the operator's words first; Kafka's at the end, and its exception (with where it came from) at DEBUG
          log.warn("waiting for Kafka: {} (try {}, {} s so far); retrying in {} ms (startup.retry-interval-ms); {}{}",
              what, attempt, waited / 1000, retryIntervalMs, check, BrokerSilence.kafkaWords(cause));
          log.debug("Kafka at {}: try {} of the topic check failed", servers, attempt, cause);
          // readiness's reason: what to check first, Kafka's last (not its exception's toString), short enough for a
          // Kubernetes event; the line above has the whole advice
          waits.waiting(DEPENDENCY, answered ? BrokerSilence.startupReasonAfterAnswer(servers, cause, creating,
              attempt, waited) : BrokerSilence.startupReason(servers, cause, attempt, waited, found));
          pause.sleep(retryIntervalMs);
          if (waits.isLastTry()) {
            throw lastTry;
          }
        }
      }
    } catch (InterruptedException e) {
      stopped = true;
      throw e;
    } finally {
      close(admin, stopped);
    }
  }

  /**
   * Closes {@code admin}; a stopped start's at once, abandoning the request under way: the default close waits for it
   * (up to default.api.timeout.ms, 15 s), and the start's caller, which waits for the topic check's thread to end
   * (at most 10 s), with it.
   */
  private static void close(Admin admin, boolean stopped) {
    if (stopped) {
      admin.close(java.time.Duration.ZERO);
    } else {
      admin.close();
    }
  }

  /**
   * The checks of the topics' configs ({@link #checkCleanupPolicy}, {@link #ensureMessageBytes}) right after the broker
   * listed or created them. A broker learns of a new topic from the controller's metadata a moment after createTopics
   * has answered, so the one asked for the configs may not know it yet (UnknownTopicOrPartitionException): looked for
   * again every {@value #UNKNOWN_TOPIC_RETRY_MS} ms, up to {@value #UNKNOWN_TOPIC_RETRIES} times, before the caller's
   * wait of startup.retry-interval-ms (5 s by default) takes over. Anything else is thrown at once, as before.
   */
  private void checkConfigs(Admin admin, List<String> topics, Map<String, Long> minMessageBytes, boolean create)
      throws ExecutionException, TimeoutException, InterruptedException {
    for (int look = 1; ; look++) {
      try {
        checkCleanupPolicy(admin, topics);
        ensureMessageBytes(admin, minMessageBytes, create);
        return;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || look > UNKNOWN_TOPIC_RETRIES) {
          throw e;
        }
        log.debug("Kafka at {}: the broker asked for the configs of topics {} does not know all of them yet (look {}): "
            + "{}; looking again in {} ms", adminProperties.get("bootstrap.servers"), topics, look, e.getCause(),
            UNKNOWN_TOPIC_RETRY_MS);
        pause.sleep(UNKNOWN_TOPIC_RETRY_MS);
      }
    }
  }

  /**
   * The wait when topics the broker listed or created stay unknown to it past {@link #checkConfigs}' quick looks:
   * the broker answers, so the log and readiness say what is waited for instead of "unreachable".
   */
  private void waitForUnknownTopics(List<String> topics, Throwable cause, int attempt, long waited,
      long retryIntervalMs, long maxWaitMs) throws InterruptedException {
    Object servers = adminProperties.get("bootstrap.servers");
    String what = "topics " + topics + " are listed or were just created on Kafka at " + servers
        + ", but the broker asked for their configs does not know all of them";
    if (maxWaitMs > 0 && waited >= maxWaitMs) {
      throw new IllegalStateException(what + " after " + waited + " ms (startup.max-wait-ms=" + maxWaitMs
          + "): " + cause + "; look in the brokers' logs for why their metadata lags, or for a deletion of one of"
          + " these topics", cause);
    }
    log.warn("{} yet (attempt {}, {} s so far): {}; retrying in {} ms (startup.retry-interval-ms); a broker's metadata"
        + " lagging this long, or a topic being deleted meanwhile: see the brokers' logs", what, attempt, waited / 1000,
        cause, retryIntervalMs);
    // what to look at first, Kafka's words last and without the exception's package, as the other reasons
    waits.waiting(DEPENDENCY, what + " yet; waited " + waited / 1000 + " s (try " + attempt + "); see the brokers'"
        + " logs" + BrokerSilence.kafkaWords(cause));
    pause.sleep(retryIntervalMs);
  }

  /**
   * Refuses a monitor topic that compacts ({@code cleanup.policy} with {@code compact}): compaction keeps only the
   * last record of each key, so the frames of a camera would vanish unread and its verdicts and alerts after they
   * were written, with no dead letter; and a compacted topic refuses records without a key, so the dead letter of
   * a keyless record would fail the stream on every restart. Not changed here even when the monitor manages its
   * topics: a compacted topic was made so on purpose, and deleting its records is the operator's call.
   */
  private void checkCleanupPolicy(Admin admin, List<String> topics)
      throws ExecutionException, TimeoutException, InterruptedException {
    List<ConfigResource> resources = topics.stream().distinct()
        .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
    Map<ConfigResource, Config> configs = describeConfigs(admin, resources);
    List<String> problems = new ArrayList<>();
    for (ConfigResource r : resources) {
      ConfigEntry entry = configs.get(r) == null ? null : configs.get(r).get(TopicConfig.CLEANUP_POLICY_CONFIG);
      String policy = entry == null || entry.value() == null ? "" : entry.value();
      if (java.util.Arrays.stream(policy.split(",")).map(String::trim).anyMatch(TopicConfig.CLEANUP_POLICY_COMPACT::equals)) {
        problems.add("topic " + r.name() + " has cleanup.policy=" + policy);
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException(String.join("; ", problems) + ". The monitor's topics must not be compacted: "
          + "compaction keeps only the last record of each key (a camera's other frames would be lost unread, its "
          + "verdicts and alerts after they were written) and refuses records without a key (dead letters of keyless "
          + "records). Set cleanup.policy=delete on each (kafka-configs.sh --alter --entity-type topics --entity-name "
          + "<topic> --add-config cleanup.policy=delete), or point the monitor at other topics");
    }
  }

  /**
   * The configs of {@code resources}; a refusal (no DescribeConfigs) is thrown as the start-up error that names the
   * topics refused, read from each topic's own answer, as the request's answer as a whole does not say which.
   */
  private Map<ConfigResource, Config> describeConfigs(Admin admin, List<ConfigResource> resources)
      throws ExecutionException, TimeoutException, InterruptedException {
    DescribeConfigsResult result = admin.describeConfigs(resources);
    try {
      return result.all().get(15, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicAuthorizationException)) {
        throw e;
      }
      List<String> refused = new ArrayList<>();
      for (ConfigResource r : resources) {
        try {
          result.values().get(r).get(1, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException one) {
          if (one.getCause() instanceof TopicAuthorizationException) {
            refused.add(r.name());
          }
        }
      }
      throw AclAdvice.forClient(adminProperties).refusedOnTopics("DescribeConfigs", refused.isEmpty()
          ? resources.stream().map(ConfigResource::name).toList() : refused,
          "read the configs of topics (cleanup.policy, max.message.bytes)", e.getCause());
    }
  }

  /** How far from the broker's clock every one of some topics accepts record times, in ms: behind it, and ahead of it. */
  public record AcceptedTimes(long maxAgeMs, long maxAheadMs) {
    /** No limit either way (the broker did not say). */
    public static final AcceptedTimes ANY = new AcceptedTimes(Long.MAX_VALUE, Long.MAX_VALUE);
  }

  /**
   * The record times every one of {@code topics} accepts, and {@code ifPresent} too where they exist (Kafka Streams'
   * own topics, which it creates only once it runs, and on which an operator may set a limit of their own):
   * <ul>
   *   <li>the oldest, as an age in ms: the least {@code message.timestamp.before.max.ms} among them (the broker's
   *       {@code log.message.timestamp.before.max.ms} where a topic does not set its own;
   *       {@code message.timestamp.difference.max.ms} on a Kafka 3 broker), and the broker's own default, which the
   *       repartition and changelog topics Kafka Streams creates take; {@link Long#MAX_VALUE} when none is limited
   *       (the default);
   *   <li>the furthest ahead of the broker's clock, from the same configs: {@code message.timestamp.after.max.ms}
   *       (an hour by default in Kafka 4). A topic set below the monitor's own bound on times ahead refused a frame's
   *       outputs for ever, as one with a limit on old records did.
   * </ul>
   */
  public AcceptedTimes acceptedTimes(List<String> topics, java.util.Collection<String> ifPresent)
      throws ExecutionException, TimeoutException, InterruptedException {
    List<ConfigResource> resources = java.util.stream.Stream.concat(topics.stream(), ifPresent.stream()).distinct()
        .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
    Admin admin = adminFactory.apply(adminProperties);
    boolean stopped = false;
    try {
      // with synonyms: a topic's entry then also names the broker's default (in server.properties or set cluster-wide)
      Map<ConfigResource, org.apache.kafka.common.KafkaFuture<Config>> described = admin.describeConfigs(resources,
          new DescribeConfigsOptions().includeSynonyms(true)).values();
      long giveUpAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      long least = Long.MAX_VALUE;
      long leastAhead = Long.MAX_VALUE;
      for (ConfigResource r : resources) {
        Config config;
        try {
          config = described.get(r).get(Math.max(0, giveUpAt - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
          if (ifPresent.contains(r.name()) && !topics.contains(r.name())) {
            // Kafka Streams' own topic: thrown, the outputs' limit read with it would be lost too, and a frame older
            // than that refused at every restart, for ever
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
              // not "not created yet" (then it takes the broker's default, counted through the other topics): grants
              // on the application's prefix that leave out DescribeConfigs, or any other failure
              log.warn("could not read the configs of topic {} ({}): a limit on record times set on it alone is not "
                  + "known{}", r.name(), e.getCause(),
                  e.getCause() instanceof org.apache.kafka.common.errors.TopicAuthorizationException
                      ? "; grant DescribeConfigs on it" : "");
            }
            continue;
          }
          throw e;
        }
        if (config == null) {
          continue;
        }
        least = least(least, config, r.name(), TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG, "before");
        leastAhead = least(leastAhead, config, r.name(), TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG, "ahead of");
      }
      return new AcceptedTimes(least, leastAhead);
    } catch (InterruptedException e) {
      stopped = true;
      throw e;
    } finally {
      close(admin, stopped); // the topic check's last step: a stop here was held up to 10 s
    }
  }

  /** The lesser of {@code least} and the limit {@code key} of topic {@code topic}'s {@code config}, or its broker's. */
  private static long least(long least, Config config, String topic, String key, String direction) {
    ConfigEntry type = config.get(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG);
    // a broker before Kafka 3.6 limits both directions with message.timestamp.difference.max.ms alone
    for (String k : List.of(key, TIMESTAMP_DIFFERENCE_MAX_MS)) {
      ConfigEntry entry = config.get(k);
      if (entry == null) {
        continue;
      }
      // a topic stamped by the broker itself (LogAppendTime) checks no limit
      if (!(type != null && "LogAppendTime".equals(type.value()))) {
        least = least(least, entry.value(), "topic " + topic, k, direction);
      }
      // Kafka Streams creates the campaign repartition topic and the camera store's changelog with the broker's
      // defaults, and writes them with the frame's time too: a limit there refused its campaign flag for ever
      // even where the outputs are exempted from it
      if (!"LogAppendTime".equals(brokerDefault(type))) {
        least = least(least, brokerDefault(entry), "the broker's default, which Kafka Streams' own topics take,",
            "log." + k, direction);
      }
    }
    return least;
  }

  /** What a topic without its own {@code entry} gets from the broker: its first synonym not set on the topic. */
  private static String brokerDefault(ConfigEntry entry) {
    if (entry == null) {
      return null;
    }
    return entry.synonyms().stream().filter(s -> s.source() != ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG)
        .map(ConfigEntry.ConfigSynonym::value).findFirst().orElse(null);
  }

  private static long least(long least, String value, String where, String key, String direction) {
    if (value == null || value.isBlank()) {
      return least;
    }
    long limit = Long.parseLong(value.trim());
    if (limit < least) {
      log.info("{} refuses records stamped more than {} ms {} the broker's clock ({}={})", where, limit, direction, key,
          limit);
      return limit;
    }
    return least;
  }

  private void ensureMessageBytes(Admin admin, Map<String, Long> minMessageBytes, boolean alter)
      throws ExecutionException, TimeoutException, InterruptedException {
    if (minMessageBytes.isEmpty()) {
      return;
    }
    List<ConfigResource> resources = minMessageBytes.keySet().stream()
        .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
    Map<ConfigResource, Config> configs = describeConfigs(admin, resources);
    for (ConfigResource r : resources) {
      ConfigEntry entry = configs.get(r).get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
      long have = entry == null || entry.value() == null ? 0 : Long.parseLong(entry.value());
      long need = minMessageBytes.get(r.name());
      if (have >= need) {
        continue;
      }
      if (!alter) {
        throw new IllegalStateException("topic " + r.name() + " accepts records of at most " + have + " bytes "
            + "(max.message.bytes), but the monitor must be able to write " + need + " bytes to it (the largest "
            + "frame, image.max-encoded-bytes, with its dead letter's fields; on the alerts topic, an alert with its "
            + "picture, alerts.evidence-image-max-bytes): raise max.message.bytes of " + r.name() + " to at least "
            + need + ", lower that setting, or set topics.create=true to let the monitor do it");
      }
      try {
        admin.incrementalAlterConfigs(Map.of(r, List.of(new AlterConfigOp(
            new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Long.toString(need)), AlterConfigOp.OpType.SET))))
            .all().get(15, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof TopicAuthorizationException) {
          throw AclAdvice.forClient(adminProperties).refusedOnTopics("AlterConfigs", List.of(r.name()),
              "raise max.message.bytes of " + r.name() + " from " + have + " to " + need + " (or raise it yourself and"
                  + " keep topics.create=false)", e.getCause());
        }
        throw e;
      }
      log.info("raised max.message.bytes of topic {} from {} to {}, so that the largest record the monitor writes there fits in it",
          r.name(), have, need);
    }
  }
}
