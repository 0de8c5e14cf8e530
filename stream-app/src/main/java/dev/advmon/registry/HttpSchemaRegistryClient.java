package dev.advmon.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.advmon.http.CappedBody;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * Client of the Confluent Schema Registry REST API, as served by Confluent Schema Registry, Apicurio
 * (ccompat, {@code /apis/ccompat/v7}), Karapace and Redpanda.
 *
 * <p>Results are cached for the life of the client (ids are immutable in every registry), so after
 * warm-up the serdes make no HTTP call. Connection failures, timeouts, 5xx, 429, 408 and a 4xx page that is not the
 * registry's JSON error (from a load balancer in front of it) are retried with
 * exponential backoff and jitter across the configured URLs, each failed attempt logged with what comes
 * next, within the settings' call deadline; other 4xx are answers, never retried. "Schema id not found" is
 * remembered for {@link RegistrySettings#unknownIdCacheTtl()}, so that a burst of records with an id the
 * registry does not know costs one call; a schema that is not Avro, or not valid Avro, is remembered until this client
 * finds that the registry lost its data (an id names another schema than before: {@link #recheck}, {@link #askAgain}),
 * for only then can its id name another schema. A schema registered with references (types defined by other subjects'
 * versions) is read with them, as Confluent's serializers do. Decisions are made on the HTTP status, not on
 * {@code error_code}, because Apicurio sends {@code error_code} 0 where Confluent sends 409xx/404xx.
 */
public final class HttpSchemaRegistryClient implements SchemaRegistry {

  /**
   * How {@link #ping}'s last problem says that a URL of registry.url answered, but is not the API root; the exception
   * says so with {@link RegistryUnavailableException#notTheApiRoot()}, which the health probe reads (not these words).
   */
  private static final String NOT_API_ROOT = "is not the registry's API root";

  private static final Logger log = LoggerFactory.getLogger(HttpSchemaRegistryClient.class);
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final ObjectMapper JSON = new ObjectMapper();
  /** How often one schema id may be asked again after a record carrying it did not decode ({@link #askAgain}). */
  static final Duration ASK_AGAIN_EVERY = Duration.ofSeconds(5);
  /**
   * How long a URL that did not answer at all (refused, timed out, reset) is asked last by the one-request questions
   * (ping, recheck, asking again): else a hanging first {@code registry.url} costs a request timeout for every id of
   * every recheck.
   */
  static final Duration UNREACHABLE_REST = Duration.ofSeconds(30);

  private final RegistrySettings settings;
  private final HttpClient http;
  // the key manager of an https registry's client, which remembers its requests for a client certificate; else null
  private final CertificateRequests certificateRequests;
  private final String authorization;
  private final ConcurrentMap<Integer, Schema> schemasById = new ConcurrentHashMap<>();
  private final ConcurrentMap<SubjectSchema, Integer> idsBySubjectSchema = new ConcurrentHashMap<>();
  // Negative cache: id -> until when (nanoTime) "not found" is answered without asking again, and why (null: the id
  // itself; else which schema it references the registry does not have)
  private final ConcurrentMap<Integer, Unknown> unknownIds = new ConcurrentHashMap<>();

  private record Unknown(long until, String why) {}

  /**
   * Most schemas one schema may reference, directly or through its references, and how deep: far above what a frame
   * schema needs, low enough that a cycle or a hostile registry cannot hold a stream thread for long.
   */
  static final int MAX_REFERENCES = 64;
  static final int MAX_REFERENCE_DEPTH = 8;
  // GET /subjects/{subject}/versions/{version} -> its answer, for the schemas that schemas read by id reference: a
  // subject's version never changes (as an id), and many ids (every version of a producer's Frame) reference the same
  private final ConcurrentMap<String, Response> referencedVersions = new ConcurrentHashMap<>();
  // id -> why its schema cannot be used (not Avro, not a valid Avro schema): ids never change, so neither does that
  // answer, and without this every record written with such an id would cost a registry request. Unless the registry
  // lost its data and hands ids out again: then forgotten (forgetRefusals()).
  private final ConcurrentMap<Integer, String> unusableIds = new ConcurrentHashMap<>();
  // The URL that answered last is tried first, so that a dead first URL costs one timeout, not one per call.
  private final AtomicInteger preferredUrl = new AtomicInteger();
  /** URLs that answered a registration or lookup with "no such path": not the API root, so no answer for ping. */
  private final java.util.Set<Integer> notApiRoot = java.util.concurrent.ConcurrentHashMap.newKeySet();
  // Per URL: until when (nanoTime) the one-request questions ask it last, after it did not answer (UNREACHABLE_REST)
  private final java.util.concurrent.atomic.AtomicLongArray restingUntil;
  // How many ids recheck() and askAgain() forgot: the serdes' own caches by id follow it.
  private final AtomicLong forgotten = new AtomicLong();
  // askAgain(): when each id was last asked again (nanoTime), so that corrupt records cost one request per id a while
  private final ConcurrentMap<Integer, Long> askedAgainAt = new ConcurrentHashMap<>();
  // askAgain(): until when (nanoTime) no id is asked again, after the registry did not answer one: each unanswered
  // question holds a stream thread up to the call deadline, for a record that is dead-lettered anyway
  private final AtomicLong askAgainQuietUntil = new AtomicLong(System.nanoTime());
  // id -> when (nanoTime) byId() or askAgain() last cached its schema from the registry's answer: askAgain() within the
  // same call asks nothing (the answer is that fresh). One per id cached by id, removed with it.
  private final ConcurrentMap<Integer, Long> fetchedAt = new ConcurrentHashMap<>();
  // id -> subject -> the version its references to that subject's latest version (Confluent's -1) resolved to when the
  // id was first read: read again as "latest" once the subject has a new version, it would be another schema, and the
  // id taken for one a registry that lost its data gave out again. Only ids with such references, each removed with the
  // id from the cache by id: bounded as that cache is (an entry per id, at most MAX_REFERENCES subjects each)
  private final ConcurrentMap<Integer, java.util.Map<String, Integer>> latestPinned = new ConcurrentHashMap<>();
  // id -> the schema it named before it was forgotten for naming another one now (formerSchema()): at most one per id
  // this client has cached, so bounded as the cache by id is
  private final ConcurrentMap<Integer, Schema> formerSchemas = new ConcurrentHashMap<>();
  // recheck()'s own (one caller at a time): when each id last held, and the written ids one recheck found unknown
  private final java.util.Map<Integer, Long> heldAt = new ConcurrentHashMap<>();
  private final java.util.Set<Integer> unknownOnce = ConcurrentHashMap.newKeySet();
  // Threads inside retryingQuietly(): their retry lines are DEBUG, for their caller logs each of its own tries
  private final ThreadLocal<Boolean> quietRetries = ThreadLocal.withInitial(() -> false);

  public HttpSchemaRegistryClient(RegistrySettings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.restingUntil = new java.util.concurrent.atomic.AtomicLongArray(settings.urls().size());
    for (int i = 0; i < settings.urls().size(); i++) {
      restingUntil.set(i, System.nanoTime());
    }
    if (settings.mockScope().isPresent()) {
      throw new IllegalArgumentException("registry.url: mock:// names an in-memory registry, which only tests and the demo "
          + "hold in the same process; give the http:// or https:// URL of a schema registry (code: InMemorySchemaRegistry)");
    }
    HttpClient.Builder builder = HttpClient.newBuilder()
        // HTTP/1.1: the default HTTP/2 sends an h2c upgrade on plain http, which some proxies mishandle.
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(settings.connectTimeout())
        // never: a redirect would carry the basic-auth header to another host, and its answer would be cached
        // for good; a 3xx is reported with the registry.url to set instead
        .followRedirects(HttpClient.Redirect.NEVER);
    java.util.Optional<RegistryTls.Client> tls = RegistryTls.context(settings);
    tls.ifPresent(t -> builder.sslContext(t.context()));
    this.certificateRequests = tls.map(RegistryTls.Client::requests).orElse(null);
    this.http = builder.build();
    this.authorization = settings.basicAuthUser() == null ? null
        : "Basic " + Base64.getEncoder().encodeToString(
            (settings.basicAuthUser() + ":" + settings.basicAuthPassword()).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public int register(String subject, Schema schema) {
    SubjectSchema key = new SubjectSchema(subject, schema);
    Integer cached = idsBySubjectSchema.get(key);
    if (cached != null) {
      return cached;
    }
    Response r = send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
    r.requireServed("register under subject '" + subject + "'");
    if (r.status == 409 && r.message().contains("already exists")) {
      // not an incompatibility: Apicurio 2.4 answers this when two registrations of new subjects race (seen in
      // HangingTransactionIT, a camera registering its frame schema while the monitor registered its dead letters'),
      // and asked again it answers with the id, as the Confluent API says of a schema already registered
      log.info("schema registry: registering under subject '{}' answered 409 '{}'; asking once more", subject,
          r.message());
      r = send("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema));
    }
    if (r.status == 409 || r.status == 422) {
      throw new SchemaRegistrationException(subject, r.status, r.message());
    }
    int id = r.expectOk("register under subject '" + subject + "'").path("id").asInt(-1);
    return remember(key, r.requireId(id));
  }

  @Override
  public int idOf(String subject, Schema schema) {
    SubjectSchema key = new SubjectSchema(subject, schema);
    Integer cached = idsBySubjectSchema.get(key);
    if (cached != null) {
      return cached;
    }
    long asked = System.nanoTime();
    Response r = send("POST", "/subjects/" + encode(subject), schemaBody(schema));
    r.requireServed("look up under subject '" + subject + "'");
    // as for ids: a replica behind does not know a subject registered since (at start-up without auto-register,
    // its 404 would stop the monitor with "register it first" while the registry has it)
    r = askOthersAfter404(r, schemaBody(schema), asked);
    if (r.status == 404) {
      throw SchemaNotFoundException.forSubject(subject, r.base.toString(),
          r.message() + "; register it first, or enable " + RegistrySettings.AUTO_REGISTER);
    }
    int id = r.expectOk("look up under subject '" + subject + "'").path("id").asInt(-1);
    return remember(key, r.requireId(id));
  }

  @Override
  public Schema byId(int id) {
    return byId(id, System.nanoTime());
  }

  @Override
  public Schema byId(int id, long callStartedAt) {
    Schema cached = schemasById.get(id);
    if (cached != null) {
      return cached;
    }
    Unknown unknown = unknownIds.get(id);
    if (unknown != null) {
      if (System.nanoTime() - unknown.until() < 0) {
        String remembered = " (answer remembered for " + settings.unknownIdCacheTtl().toSeconds() + " s)";
        throw unknown.why() == null ? SchemaNotFoundException.forId(id, settings.urlList() + remembered)
            : SchemaNotFoundException.forReference(id, unknown.why() + remembered);
      }
      unknownIds.remove(id, unknown);
    }
    String unusable = unusableIds.get(id);
    if (unusable != null) {
      throw new AvroDecodeException(unusable + " (answer remembered: a schema id names another schema only after the "
          + "registry lost its data)", null);
    }
    long asked = callStartedAt;
    // one deadline for the id and every schema it references, counted from the start of the caller's call (a record's
    // deserialization, which may ask again too): the caller is a stream thread inside a transaction
    long giveUpAt = giveUpAt(asked);
    Response r = askOthersAfter404(send("GET", "/schemas/ids/" + id, null, giveUpAt), null, asked);
    if (r.status == 404) {
      rememberUnknown(id, null);
      throw SchemaNotFoundException.forId(id, r.base.toString());
    }
    JsonNode node = r.expectOk("fetch schema id " + id);
    Schema schema;
    java.util.Map<String, Integer> pinned = new java.util.HashMap<>(); // a first read: every latest as it is now
    try {
      schema = parseSchema(r, node, "schema id " + id, id, java.util.Map.of(), pinned, path -> {
        Response kept = referencedVersions.get(path);
        if (kept != null) {
          return kept;
        }
        Response answer = askOthersAfter404(send("GET", path, null, giveUpAt), null, asked);
        if (answer.status == 200 && !path.contains("/versions/latest")) { // a 404 is remembered as the id's, for a while
          if (referencedVersions.size() > 10_000) {
            referencedVersions.clear(); // as for unknown ids: what records name must not grow this without bound
          }
          referencedVersions.put(path, answer);
        }
        return answer;
      });
    } catch (SchemaNotFoundException e) {
      rememberUnknown(id, e.getMessage());
      throw e;
    } catch (AvroDecodeException e) {
      if (unusableIds.size() > 10_000) {
        unusableIds.clear(); // as for unknown ids: a flood of random ids must not grow this without bound
      }
      unusableIds.put(id, e.getMessage());
      throw e;
    }
    Schema previous = schemasById.putIfAbsent(id, schema);
    if (previous == null) {
      fetchedAt.put(id, System.nanoTime());
      pin(id, pinned);
    }
    return previous != null ? previous : schema;
  }

  /** Keeps the versions the id's references to a subject's latest version resolved to (see latestPinned). */
  private void pin(int id, java.util.Map<String, Integer> pinned) {
    if (pinned.isEmpty()) {
      latestPinned.remove(id);
    } else {
      latestPinned.put(id, java.util.Map.copyOf(pinned));
    }
  }

  private void rememberUnknown(int id, String why) {
    if (!settings.unknownIdCacheTtl().isZero()) {
      if (unknownIds.size() > 10_000) {
        unknownIds.clear(); // ids are ints from the records: bound the memory a flood of random ids can take
      }
      unknownIds.put(id, new Unknown(System.nanoTime() + settings.unknownIdCacheTtl().toNanos(), why));
    }
  }

  /**
   * The registry lost its data ({@link #recheck}, {@link #askAgain} found an id naming another schema): what it
   * refused before says nothing of what it answers now. An id that named no Avro schema (or one it did not know) may
   * have been given to a valid one since, and the frames carrying it would stay dead letters until a restart.
   */
  private void forgetRefusals() {
    unusableIds.clear();
    unknownIds.clear();
    referencedVersions.clear();
  }

  /** Asks the registry for {@code GET path} (a referenced schema's subject version), as the caller's call allows. */
  @FunctionalInterface
  private interface Fetch {
    Response get(String path);
  }

  /**
   * The Avro schema in {@code node}, {@code r}'s answer for {@code what} ({@code id} when it is a schema id, else -1),
   * with the named types its {@code references} define, as Confluent's AvroSchemaProvider reads them: a schema
   * registered with references (Confluent's serializer, {@code @confluentinc/schemaregistry}, a record whose
   * {@code encoding} enum is its own subject) names those types without defining them. Each reference is its subject's
   * version ({@code GET /subjects/{subject}/versions/{version}} through {@code fetch}), whose own references come
   * first; all are defined in one parser, then the schema is parsed. At most {@link #MAX_REFERENCES} schemas,
   * {@link #MAX_REFERENCE_DEPTH} deep, and no cycle: else a registry could hold the caller for ever. A reference to a
   * subject's latest version is read as the version {@code pinned} names for that subject, if any (the one it was when
   * the id was first read); else as the latest, and the version that turned out to be is put in {@code resolved}.
   *
   * @throws AvroDecodeException the schema, or one it references, is not (valid) Avro, or the references are too many,
   *     too deep or a cycle
   * @throws SchemaNotFoundException the registry does not have a referenced version
   */
  private Schema parseSchema(Response r, JsonNode node, String what, int id, java.util.Map<String, Integer> pinned,
      java.util.Map<String, Integer> resolved, Fetch fetch) {
    String text = r.avroText(node, what);
    Schema.Parser parser = new Schema.Parser();
    JsonNode references = node.path("references");
    if (references.isArray() && !references.isEmpty()) {
      java.util.Map<String, String> defined = new java.util.LinkedHashMap<>(); // reference -> schema, in parsing order
      resolve(r, references, what, id, pinned, resolved, fetch, 1, new java.util.LinkedHashSet<>(), defined);
      for (java.util.Map.Entry<String, String> e : defined.entrySet()) {
        try {
          parser.parse(e.getValue());
        } catch (AvroRuntimeException ex) { // SchemaParseException, and AvroTypeException for an undefined name
          throw new AvroDecodeException(what + " at " + r.base + " references " + e.getKey()
              + ", which is not a valid Avro schema with the others it references: " + ex.getMessage(), ex);
        }
      }
    }
    try {
      return parser.parse(text);
    } catch (AvroRuntimeException e) { // Avro 1.12 throws AvroTypeException, no SchemaParseException, for a name it
      // does not know ("Undefined schema"): a schema naming a type no reference defines is not a valid schema either
      throw new AvroDecodeException(what + " at " + r.base + " is not a valid Avro schema: " + e.getMessage(), e);
    }
  }

  /**
   * {@link #parseSchema} with {@code pinned}, and when a pinned version is gone, with every latest as it is now: a
   * registry that lost its data numbers a subject's versions from 1 again, and its 404 for the pinned one read as an id
   * no other schema has, so the loss (the id naming another schema) was never found.
   */
  private Schema parsePinned(Response r, JsonNode node, String what, int id, java.util.Map<String, Integer> pinned,
      java.util.Map<String, Integer> resolved, Fetch fetch) {
    try {
      return parseSchema(r, node, what, id, pinned, resolved, fetch);
    } catch (SchemaNotFoundException pinnedGone) {
      if (pinned.isEmpty()) {
        throw pinnedGone;
      }
      resolved.clear();
      return parseSchema(r, node, what, id, java.util.Map.of(), resolved, fetch);
    }
  }

  /** Adds to {@code defined} the schemas {@code references} name, each after those it references itself. */
  private void resolve(Response r, JsonNode references, String what, int id, java.util.Map<String, Integer> pinned,
      java.util.Map<String, Integer> resolved, Fetch fetch, int depth, java.util.Set<String> resolving,
      java.util.Map<String, String> defined) {
    for (JsonNode ref : references) {
      String subject = ref.path("subject").asText("");
      // Confluent's -1 (or none) is the subject's latest version: the one it was when the id was first read, once known
      int number = ref.path("version").asInt(-1);
      Integer pin = number > 0 ? null : pinned.get(subject);
      String version = number > 0 ? Integer.toString(number) : pin != null ? pin.toString() : "latest";
      String name = "'" + ref.path("name").asText("?") + "' (subject '" + subject + "' version " + version + ")";
      if (subject.isEmpty()) {
        throw new AvroDecodeException(what + " at " + r.base + " has a reference without a subject: " + ref, null);
      }
      // ?deleted=true, as Confluent's AbstractSchemaProvider reads an existing schema's references: a soft-deleted
      // version answers 404 without it, while the ids that reference it are still served and their frames still read
      // by Confluent's deserializer (registries without soft deletion ignore the parameter)
      String path = "/subjects/" + encode(subject) + "/versions/" + version + "?deleted=true";
      if (defined.containsKey(name)) {
        continue; // referenced twice (by the schema and by another reference): defined once
      }
      if (!resolving.add(name)) {
        throw new AvroDecodeException(what + " at " + r.base + " has references that form a cycle: "
            + String.join(" -> ", resolving) + " -> " + name, null);
      }
      if (depth > MAX_REFERENCE_DEPTH || defined.size() + resolving.size() > MAX_REFERENCES) {
        throw new AvroDecodeException(what + " at " + r.base + " references more schemas than the monitor reads ("
            + MAX_REFERENCES + " in all, " + MAX_REFERENCE_DEPTH + " deep), at " + name, null);
      }
      Response answer = fetch.get(path);
      if (answer.status == 404) {
        throw SchemaNotFoundException.forReference(id, what + " references " + name + ", which the registry at "
            + answer.base + " does not have: " + answer.message());
      }
      JsonNode body = answer.expectOk("fetch " + name + ", referenced by " + what);
      String schema = answer.avroText(body, what + "'s reference " + name);
      if ("latest".equals(version) && body.path("version").asInt(-1) > 0) {
        resolved.put(subject, body.path("version").asInt());
      }
      resolve(answer, body.path("references"), what, id, pinned, resolved, fetch, depth + 1, resolving, defined);
      resolving.remove(name);
      defined.put(name, schema);
    }
  }

  /**
   * {@code r}, or, when it is a registry's 404 and there are other URLs, the first 200 one of them gives for the same
   * request. A replica that has not caught up answers 404 for an id or a subject its peers know: before a frame is
   * dead-lettered (or start-up refused) and the answer remembered, the other URLs are asked once. Often on a stream
   * thread inside a transaction, so: within what is left of the call's deadline since {@code askedAt} (send()'s
   * asking may have used most of it), not the URL that just answered 404, not one resting after it did not answer
   * (else a hanging replica costs a request timeout for every frame with an id nobody knows: corrupt frames carry
   * random ids), and only a 200 replaces the 404 (a URL that refuses the credentials must not turn an unknown id into
   * an error that stops the monitor).
   */
  private Response askOthersAfter404(Response r, String requestBody, long askedAt) {
    if (r.status != 404 || settings.urls().size() < 2 || r.isSomeoneElsesError()) {
      return r;
    }
    Duration left = leftOf(askedAt);
    if (left != null && (left.isNegative() || left.isZero())) {
      return r;
    }
    try {
      Response other = askOnce(r.method, r.path, requestBody, settings.requestTimeoutInCall(), left, r.base, false);
      if (other.status != 200) {
        return r;
      }
      // it knows what the URL asked first did not: it is ahead, so the next questions go there first (else each new
      // id costs a request and a 404 at the replica behind while it lags). Only a 200 moves it: unlike a ping's
      // answer, it proves the URL has caught up at least that far.
      preferredUrl.set(settings.urls().indexOf(other.base));
      return other;
    } catch (RegistryUnavailableException othersSilent) {
      return r; // no other URL answered: the one 404 is all there is to go on
    }
  }

  @Override
  public RegisteredSchema latest(String subject) {
    // one deadline for the version and the schemas it references, as in byId: taken after the version's answer, the
    // references had a deadline of their own, and the call twice the one a caller inside a transaction counts on
    long giveUpAt = giveUpAt(System.nanoTime());
    Response r = send("GET", "/subjects/" + encode(subject) + "/versions/latest", null, giveUpAt);
    if (r.status == 404) {
      throw SchemaNotFoundException.forSubject(subject, r.base.toString(), r.message());
    }
    JsonNode body = r.expectOk("fetch the latest version of subject '" + subject + "'");
    int id = r.requireId(body.path("id").asInt(-1));
    java.util.Map<String, Integer> pinned = new java.util.HashMap<>();
    Schema schema = parseSchema(r, body, "subject '" + subject + "'", id, java.util.Map.of(), pinned,
        path -> send("GET", path, null, giveUpAt));
    if (schemasById.putIfAbsent(id, schema) == null) {
      pin(id, pinned);
    }
    return new RegisteredSchema(subject, body.path("version").asInt(-1), id, schema);
  }

  @Override
  public String describe() {
    return settings.urlList();
  }

  /** {@code GET /config/{subject}?defaultToGlobal=true}, else (a registry without subject-level config) {@code GET /config}. */
  @Override
  public java.util.Optional<String> compatibility(String subject) {
    Response r = send("GET", "/config/" + encode(subject) + "?defaultToGlobal=true", null);
    if (r.status == 404) {
      r = send("GET", "/config", null);
    }
    if (r.status != 200) {
      return java.util.Optional.empty();
    }
    JsonNode body = r.expectOk("read the compatibility of subject '" + subject + "'");
    String level = body.path("compatibilityLevel").asText(body.path("compatibility").asText(""));
    return level.isBlank() ? java.util.Optional.empty() : java.util.Optional.of(level.toUpperCase(java.util.Locale.ROOT));
  }

  /** The status {@code base} answers {@code GET /subjects} with: every Confluent-API registry serves it. */
  private int subjectsStatus(URI base, Duration timeout) throws IOException, InterruptedException {
    return exchange(request(base, "GET", "/subjects", null, timeout), timeout).statusCode();
  }

  /**
   * One GET of {@code /config} per URL, no retries, each within {@code timeout}: whether the registry answers
   * at all (a JSON 404 there is asked {@code GET /subjects} too, to tell a registry from a URL that is not its
   * root). Throws {@link RegistryUnavailableException} when none answers usefully, and
   * {@link RegistryRequestException} when one refuses our credentials (401/403).
   */
  @Override
  public void ping(Duration timeout) {
    String problem = "no URL";
    IOException failure = null; // the last problem's, when it was no answer: the health probe tells them apart by it
    boolean notRoot = false; // whether the last problem is a URL that is not the API root
    // how each URL failed, in a few words: with several, the problem tells of the one asked last alone (and the asking
    // order moves), and the probe's reason must name each URL and what it did, as the start-up's does
    Map<URI, String> failed = new LinkedHashMap<>();
    // the first refused login (401/403): thrown once the other URLs were asked (see lookAround), so that the
    // line names what they did (a silent URL beside it was dropped, or never asked); the outcome is the refusal, as
    // before, unless a URL asked before it answered
    Response refusal = null;
    long refusedAt = 0;
    List<Integer> order = askingOrder();
    for (int k = 0; k < order.size(); k++) {
      int index = order.get(k);
      URI base = settings.urls().get(index);
      // after a refusal the outcome is decided: the others are asked for the reason's words alone, each within a
      // third of the timeout, and none begun once that has passed since the refusal (so two thirds of it at most in
      // all), not a whole timeout each: a silent URL beside the refusing one cost every probe its timeout again (the
      // probe's 3 s, the load tester's 10 s), and nine silent ones 27 s at the probe's 3 s. One time for each (not
      // what is left): a reason whose words change at each probe is logged at each
      Duration wait = refusal == null ? timeout : lookAround(timeout);
      if (refusal != null && System.nanoTime() - refusedAt >= lookAround(timeout).toNanos()) {
        failed.put(base, NOT_ASKED_AFTER_REFUSAL);
        continue;
      }
      if (notApiRoot.contains(index)) {
        // its JSON 404 for /config would read as an answer while the registry behind the other URLs is down
        problem = base + " in registry.url " + NOT_API_ROOT + " (it answered POST /subjects with 'no such path')";
        failed.put(base, "not the API root (HTTP 404)");
        failure = null;
        notRoot = true;
        continue;
      }
      try {
        failure = null;
        notRoot = false;
        HttpResponse<String> response = exchange(request(base, "GET", "/config", null, wait), wait);
        Response r = new Response(base, "GET", "/config", response.statusCode(), response.body(), authorization != null);
        if (r.status == 401 || r.status == 403) {
          if (settings.urls().size() < 2) {
            r.expectOk("answer GET /config"); // throws the credentials message
          }
          if (refusal == null) {
            refusal = r;
            refusedAt = System.nanoTime();
            // the others in registry.url's order, not resting ones last: the same URL is then the one asked (or left
            // unasked) at each probe, where the resting order swapped two silent ones, and the reason with them
            java.util.Collections.sort(order.subList(k + 1, order.size()));
          }
          failed.put(base, loginRefused(r.status));
          continue;
        }
        int subjects = r.status == 404 && !r.isSomeoneElsesError() ? subjectsStatus(base, wait) : 200;
        if (subjects == 404) {
          // a JSON 404 for /config comes from a registry that does not serve /config, or from a URL that is not the
          // API root (never asked to register, so not yet in notApiRoot): only the latter has no /subjects either
          problem = base + " in registry.url " + NOT_API_ROOT + " (it answered GET /config and GET /subjects with "
              + "'no such path')";
          failed.put(base, "not the API root (HTTP 404)");
          notRoot = true;
          continue;
        }
        if (subjects != 200) {
          problem = "GET " + base + "/subjects answered HTTP " + subjects; // a registry, failing now
          failed.put(base, "HTTP " + subjects + " for GET /subjects");
          continue;
        }
        if (!isTransient(r.status) && !r.isSomeoneElsesError()) {
          if (refusal != null) {
            // another URL refused the login: that refusal still stands (it did before, asked first), told with this
            failed.put(base, LOGIN_ACCEPTED);
            break;
          }
          return; // preferredUrl is send()'s to move: see askingOrder()
        }
        problem = "GET " + base + "/config answered HTTP " + r.status + (r.isSomeoneElsesError() ? NOT_THE_REGISTRYS : "");
        failed.put(base, "HTTP " + r.status + (r.isSomeoneElsesError() ? " not from the registry" : ""));
      } catch (IOException e) {
        rest(index);
        problem = "GET " + base + "/config failed: " + describe(e, base);
        failed.put(base, briefly(e, base, wait));
        failure = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RegistryUnavailableException(settings.urlList(), 1, "interrupted", e);
      }
    }
    if (refusal != null) {
      refusal.withFailures(eachUrl(failed, "not asked")).expectOk("answer GET /config"); // throws the refusal
    }
    // no deadline leaves one out
    throw new RegistryUnavailableException(settings.urlList(), settings.urls().size(), problem, notRoot,
        eachUrl(failed, "not asked"), false, failure);
  }

  /**
   * {@inheritDoc}
   *
   * <p>One {@code GET /schemas/ids/{id}} per id this client has used, each within {@code timeout} on the first URL
   * that answers (past a URL that answers 404, to the next), no retries. Schemas are compared by their parsing
   * canonical form (what decides how bytes read).
   * A written id the registry does not know is forgotten only when the next recheck says so too: a replica behind a
   * load balancer that has not caught up yet answers 404 for a while; no replica gives an id to another schema.
   */
  @Override
  public List<LostSchemaId> recheck(Duration timeout) {
    java.util.Map<Integer, Schema> written = new java.util.TreeMap<>();
    idsBySubjectSchema.forEach((key, id) -> written.putIfAbsent(id, key.schema()));
    java.util.Map<Integer, Schema> cached = new java.util.TreeMap<>(schemasById);
    java.util.Map<Integer, Schema> used = new java.util.TreeMap<>(cached);
    used.putAll(written);
    List<LostSchemaId> lost = new java.util.ArrayList<>();
    for (java.util.Map.Entry<Integer, Schema> e : used.entrySet()) {
      int id = e.getKey();
      boolean wrote = written.containsKey(id);
      Response r = askOnce("/schemas/ids/" + id, timeout, null);
      String now = null;
      Schema current = null;
      boolean usable = true;
      if (r.status != 404) {
        try {
          // its references asked again too: after a loss, a subject's version may name another schema as well
          current = parsePinned(r, r.expectOk("fetch schema id " + id), "schema id " + id, id,
              latestPinned.getOrDefault(id, java.util.Map.of()), new java.util.HashMap<>(),
              path -> askOnce(path, timeout, null));
        } catch (SchemaNotFoundException referenceUnknown) {
          r = new Response(r.base, r.method, r.path, 404, r.body, r.credentialsSent); // as an unknown id: no other schema has it
        } catch (AvroDecodeException notAvro) {
          usable = false;
        }
      }
      if (r.status == 404) {
        // an id only read keeps its schema: no other schema has it, and the records carrying it were written with it
        now = wrote && !unknownOnce.add(id) ? "is unknown to the registry now" : null;
      } else {
        unknownOnce.remove(id);
        if (!usable) {
          now = "names a schema that is not Avro now";
        } else if (SchemaNormalization.parsingFingerprint64(current)
            != SchemaNormalization.parsingFingerprint64(e.getValue())) {
          now = "names another schema now (" + current.getFullName() + ")";
        } else {
          heldAt.put(id, System.currentTimeMillis());
        }
      }
      if (now != null) {
        lost.add(new LostSchemaId(id, e.getValue().getFullName(), idsBySubjectSchema.entrySet().stream()
            .filter(x -> x.getValue() == id).map(x -> x.getKey().subject()).distinct().sorted().toList(), now,
            heldAt.getOrDefault(id, 0L)));
      }
    }
    heldAt.keySet().retainAll(used.keySet());
    unknownOnce.retainAll(used.keySet());
    if (lost.isEmpty()) {
      return List.of();
    }
    List<LostSchemaId> forgot = new java.util.ArrayList<>();
    for (LostSchemaId l : lost) {
      boolean wroteGone = idsBySubjectSchema.entrySet().removeIf(x -> x.getValue() == l.id());
      // only the schema this recheck judged: a record that did not decode may have had the id forgotten (askAgain)
      // and its schema now fetched while the registry was asked, and that one must stay, and not become the former
      Schema before = cached.get(l.id());
      boolean readGone = before != null && schemasById.remove(l.id(), before);
      if (readGone) {
        formerSchemas.put(l.id(), before); // what producers that did not restart still write with that id
        fetchedAt.remove(l.id());
        latestPinned.remove(l.id());
      }
      heldAt.remove(l.id());
      unknownOnce.remove(l.id());
      if (wroteGone || readGone) {
        forgot.add(l); // else already forgotten, and said so, meanwhile
      }
    }
    if (!forgot.isEmpty()) {
      forgetRefusals();
    }
    forgotten.addAndGet(forgot.size());
    return forgot;
  }

  /**
   * {@inheritDoc}
   *
   * <p>One {@code GET /schemas/ids/{id}} within the request timeout (each URL) and the call deadline (all of them), no
   * retries, at most once per id in {@link #ASK_AGAIN_EVERY}, and for no id in the {@link #ASK_AGAIN_EVERY} after the
   * registry did not answer; only for an id whose schema is cached (a record with an id never read is asked for by
   * {@link #byId} anyway).
   */
  @Override
  public boolean askAgain(int id) {
    return askAgain(id, System.nanoTime());
  }

  @Override
  public boolean askAgain(int id, long callStartedAt) {
    Schema cached = schemasById.get(id);
    if (cached == null) {
      return false;
    }
    Long fetched = fetchedAt.get(id);
    if (fetched != null && fetched - callStartedAt >= 0) {
      return false; // the caller's own call fetched it (byId): the registry answered for it a moment ago
    }
    long now = System.nanoTime();
    Long last = askedAgainAt.get(id);
    if (last != null && now - last < ASK_AGAIN_EVERY.toNanos() || now - askAgainQuietUntil.get() < 0) {
      return false;
    }
    Duration left = leftOf(callStartedAt);
    if (left != null && left.toMillis() < 1) {
      return false; // the caller's call spent its deadline already (not the registry's silence: no quiet period)
    }
    askedAgainAt.put(id, now);
    Schema current;
    // its references to a latest version read as they were at the first read (see latestPinned), as recheck() reads them
    java.util.Map<String, Integer> pinned = new java.util.HashMap<>(latestPinned.getOrDefault(id, java.util.Map.of()));
    try {
      // on a stream thread, inside a transaction: within what is left of the caller's call deadline, as every other
      // request there, its references included
      Response r = askOnce("/schemas/ids/" + id, settings.requestTimeoutInCall(), leftOf(callStartedAt));
      if (r.status == 404) {
        return false; // no other schema has it: the cached one is the only reading there is
      }
      current = parsePinned(r, r.expectOk("fetch schema id " + id), "schema id " + id, id, java.util.Map.copyOf(pinned),
          pinned, path -> askOnce(path, settings.requestTimeoutInCall(), leftOf(callStartedAt)));
    } catch (RegistryUnavailableException e) {
      askAgainQuietUntil.set(System.nanoTime() + ASK_AGAIN_EVERY.toNanos());
      return false; // not answered: the record stays undecodable with what is known
    } catch (RegistrySerdeException e) {
      return false; // not Avro: the record stays undecodable with what is known
    }
    if (SchemaNormalization.parsingFingerprint64(current) == SchemaNormalization.parsingFingerprint64(cached)) {
      return false;
    }
    log.warn("schema registry at {}: schema id {} was {} and names another schema now ({}), found on a record that "
        + "did not decode: the registry lost its data (an in-memory registry restarted? its storage wiped?). Records "
        + "carrying it are read with the schema it names now, and those that do not decode with it with the schema "
        + "it named before (producers that did not restart still write with it)",
        settings.urlList(), id, cached.getFullName(), current.getFullName());
    if (schemasById.remove(id, cached)) {
      formerSchemas.put(id, cached); // what producers that did not restart still write with that id
      idsBySubjectSchema.entrySet().removeIf(x -> x.getValue() == id);
      forgetRefusals();
      forgotten.incrementAndGet();
      // the schema just read is what the id names now: cached, so that reading the record again asks nothing more
      // (a third request, on top of byId and this one, within what is left of the same deadline)
      if (schemasById.putIfAbsent(id, current) == null) {
        fetchedAt.put(id, System.nanoTime());
        pin(id, pinned);
      }
    }
    return true;
  }

  /** When (nanoTime) the call deadline of a call that began at {@code callStartedAt} ends; never without one. */
  private long giveUpAt(long callStartedAt) {
    return settings.callDeadline() == null ? Long.MAX_VALUE : callStartedAt + settings.callDeadline().toNanos();
  }

  /** What is left of the call deadline of a call that began at {@code callStartedAt}; null for no deadline. */
  private Duration leftOf(long callStartedAt) {
    return settings.callDeadline() == null ? null
        : settings.callDeadline().minusNanos(System.nanoTime() - callStartedAt);
  }

  @Override
  public Schema formerSchema(int id) {
    return formerSchemas.get(id);
  }

  @Override
  public long forgottenIds() {
    return forgotten.get();
  }

  /**
   * One request to each URL in turn until one answers as the registry, within {@code timeout} each; no retries. A 404
   * is final only when no other URL knows better: a replica that has not caught up (or stopped following) answers 404
   * for ids its peers know, and were it asked first every time, each id written since would be "lost" on every second
   * recheck, and registered, warned about and alerted on again, in a registry that lost nothing. All URLs together
   * within {@code deadline} when it is not null.
   */
  private Response askOnce(String path, Duration timeout, Duration deadline) {
    return askOnce(path, timeout, deadline, null, true);
  }

  /** As above, past {@code answered} (a URL whose answer the caller has), and past resting URLs unless {@code resting}. */
  private Response askOnce(String path, Duration timeout, Duration deadline, URI answered, boolean resting) {
    return askOnce("GET", path, null, timeout, deadline, answered, resting);
  }

  /** As above, for any request ({@code body} null for none): a lookup under a subject is a POST. */
  private Response askOnce(String method, String path, String body, Duration timeout, Duration deadline, URI answered,
      boolean resting) {
    String problem = "no URL";
    Response unknown = null;
    long giveUpAt = deadline == null ? 0 : System.nanoTime() + deadline.toNanos();
    long now = System.nanoTime();
    for (int index : askingOrder()) {
      URI base = settings.urls().get(index);
      if (base.equals(answered) || !resting && restingUntil.get(index) - now > 0) {
        continue;
      }
      long left = deadline == null ? Long.MAX_VALUE : giveUpAt - System.nanoTime();
      if (left <= 0) {
        problem += "; the call's deadline of " + deadline.toMillis() + " ms passed";
        break;
      }
      Duration wait = left < timeout.toNanos() ? Duration.ofNanos(left) : timeout;
      try {
        HttpResponse<String> response = exchange(request(base, method, path, body, wait), wait);
        Response r = new Response(base, method, path, response.statusCode(), response.body(), authorization != null);
        if (r.status == 404 && !r.isSomeoneElsesError()) {
          unknown = unknown == null ? r : unknown;
          continue;
        }
        if (!isTransient(r.status) && !r.isSomeoneElsesError()) {
          return r; // preferredUrl is send()'s to move: see askingOrder()
        }
        problem = method + " " + base + path + " answered HTTP " + r.status
            + (r.isSomeoneElsesError() ? NOT_THE_REGISTRYS : "");
      } catch (IOException e) {
        rest(index);
        problem = method + " " + base + path + " failed: " + describe(e, base);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RegistryUnavailableException(settings.urlList(), 1, "interrupted", e);
      }
    }
    if (unknown != null) {
      return unknown;
    }
    throw new RegistryUnavailableException(settings.urlList(), settings.urls().size(), problem, null);
  }

  /**
   * The URLs a one-request question goes through: from the one send() last had an answer from, those resting after
   * they did not answer ({@link #UNREACHABLE_REST}) last. Last, not left out: they are asked only when no other URL
   * answered as the registry, so a hanging URL costs nothing while another answers, but a 404 is still final only when
   * every URL was asked (a replica that has not caught up must not make an id "lost" because the URL that knows it
   * missed one answer), and a ping does not miss a registry that is back because another URL failed meanwhile.
   * Only read here, never moved by these questions' answers (send() moves it, and byId() to a URL that knew an id
   * the first did not): were a ping that the preferred URL missed once to move it to a replica behind, send() would
   * fetch new ids there, and its 404 would dead-letter their frames.
   */
  private List<Integer> askingOrder() {
    int n = settings.urls().size();
    int start = preferredUrl.get();
    long now = System.nanoTime();
    List<Integer> order = new java.util.ArrayList<>(n);
    List<Integer> resting = new java.util.ArrayList<>(n);
    for (int k = 0; k < n; k++) {
      int index = (start + k) % n;
      (restingUntil.get(index) - now <= 0 ? order : resting).add(index);
    }
    order.addAll(resting);
    return order;
  }

  private void rest(int index) {
    restingUntil.set(index, System.nanoTime() + UNREACHABLE_REST.toNanos());
  }

  @Override
  public void retryingQuietly(Runnable call) {
    boolean before = quietRetries.get();
    quietRetries.set(true);
    try {
      call.run();
    } finally {
      quietRetries.set(before);
    }
  }

  /** The level of the lines about one request's retries: WARN, but DEBUG inside {@link #retryingQuietly}. */
  private Level retryLevel(Level level) {
    return quietRetries.get() ? Level.DEBUG : level;
  }

  @Override
  public String toString() {
    return "HttpSchemaRegistryClient[" + settings.urlList() + "]";
  }

  private int remember(SubjectSchema key, int id) {
    idsBySubjectSchema.putIfAbsent(key, id);
    // The schema just sent is the schema of that id: the serializer's own records need no fetch to read.
    schemasById.putIfAbsent(id, key.schema());
    return id;
  }

  private static String schemaBody(Schema schema) {
    // No schemaType: AVRO is the default everywhere, and some older servers reject the field.
    return JSON.createObjectNode().put("schema", schema.toString()).toString();
  }

  private static String encode(String subject) {
    return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Sends one request, retrying retryable failures over the URLs; returns the first non-retryable answer. */
  private Response send(String method, String path, String body) {
    return send(method, path, body, giveUpAt(System.nanoTime()));
  }

  /** As above, all attempts before {@code deadline} (nanoTime): one call may need several requests. */
  private Response send(String method, String path, String body, long deadline) {
    List<URI> urls = settings.urls();
    int attempts = 0;
    int maxAttempts = (settings.maxRetries() + 1) * urls.size();
    String lastProblem = "none";
    Throwable lastError = null;
    long askedToWaitMs = 0; // the longest Retry-After of this round's answers
    Response notServedAt = null; // the last URL that is not the API root (see below)
    // how each URL failed last, in a few words: with several, lastProblem tells of the last one alone, and a
    // start-up reason within its cap must still name each URL and what it did
    Map<URI, String> failed = new LinkedHashMap<>();
    boolean cut = false;
    // tries refused for a certificate this host does not trust: a stop only when every try of the call was, since one
    // node behind a load balancer (or a proxy's blip) presenting another CA's certificate refuses one try, not all
    int refusedCertificates = 0;
    SSLException refusal = null;
    for (int round = 0; round <= settings.maxRetries(); round++) {
      int notServedThisRound = 0;
      if (round > 0) {
        long delay = Math.max(backoff(round), Math.min(askedToWaitMs, settings.maxBackoff().toMillis()));
        askedToWaitMs = 0;
        if (System.nanoTime() + delay * 1_000_000 - deadline >= 0) {
          log.atLevel(retryLevel(Level.WARN)).log("schema registry: {} {} failed (attempt {} of {}): {}; "
              + "giving up, the call's deadline of {} ms would pass", method, path, attempts, maxAttempts, lastProblem,
              settings.callDeadline().toMillis());
          break;
        }
        log.atLevel(retryLevel(Level.WARN)).log("schema registry: {} {} failed (attempt {} of {}): {}; "
            + "retrying in {} ms", method, path, attempts, maxAttempts, lastProblem, delay);
        sleep(delay, round);
      }
      int start = preferredUrl.get();
      for (int k = 0; k < urls.size(); k++) {
        int index = (start + k) % urls.size();
        URI base = urls.get(index);
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          if (attempts == 0) { // the call's earlier requests used it all
            lastProblem = "the call's deadline of " + settings.callDeadline().toMillis() + " ms passed before " + method
                + " " + path;
          }
          cut = true;
          break;
        }
        if (k > 0) {
          log.atLevel(retryLevel(Level.WARN)).log("schema registry: {} {} failed at {} (attempt {} of {}): "
              + "{}; trying the next URL", method, path,
              urls.get((index + urls.size() - 1) % urls.size()), attempts, maxAttempts, lastProblem);
        }
        attempts++;
        Duration timeout = left < settings.requestTimeoutInCall().toNanos() ? Duration.ofNanos(left)
            : settings.requestTimeoutInCall();
        boolean cutHere = timeout.compareTo(settings.requestTimeout()) < 0;
        try {
          HttpResponse<String> response = exchange(request(base, method, path, body, timeout), timeout);
          Response r = new Response(base, method, path, response.statusCode(), response.body(), authorization != null);
          if (r.notServed() && urls.size() > 1) {
            // one mistyped registry.url among several (a replica's without /apis/ccompat/v7): the others may be
            // right, so it must not stop the start-up while they answer; every URL so answering does (below)
            if (notServedAt == null || !notServedAt.base.equals(base)) {
              log.warn("schema registry: {} {} answered HTTP 404 '{}' at {}, the registry's answer for a path it does "
                  + "not serve: that URL in registry.url is not the API root; trying the others", method, path,
                  r.message(), base);
            }
            notServedAt = r;
            notServedThisRound++;
            notApiRoot.add(index);
            failed.put(base, "not the API root (HTTP 404)");
            lastProblem = method + " " + base + path + " answered HTTP 404 '" + r.message() + "': " + base
                + " in registry.url is not the registry's API root (Apicurio's ends in /apis/ccompat/v7)";
            lastError = null;
            if (notServedThisRound == urls.size()) {
              return r; // every URL says so: the caller's requireServed says what to fix, as for a single URL
            }
            continue;
          }
          if (isTransient(r.status) || r.isSomeoneElsesError()) {
            long retryAfter = retryAfterMs(response.headers().firstValue("Retry-After").orElse(null));
            askedToWaitMs = Math.max(askedToWaitMs, retryAfter);
            failed.put(base, "HTTP " + r.status + (r.isSomeoneElsesError() ? " not from the registry" : ""));
            lastProblem = method + " " + base + path + " answered HTTP " + r.status + ": " + r.message()
                + (r.isSomeoneElsesError() ? NOT_THE_REGISTRYS : "")
                + (retryAfter > 0 ? " (Retry-After: " + retryAfter / 1000 + " s)" : "");
            lastError = null;
            continue;
          }
          preferredUrl.set(index);
          notApiRoot.remove(index);
          if ((r.status == 401 || r.status == 403) && urls.size() > 1) {
            // a refusal ends the call (the caller's expectOk stops the start): it names what the URLs asked before it
            // did, and those not asked, which its message alone dropped
            failed.put(base, loginRefused(r.status));
            return r.withFailures(eachUrl(failed, NOT_ASKED_AFTER_REFUSAL));
          }
          if (attempts > 1) {
            log.atLevel(retryLevel(Level.INFO)).log("schema registry: {} {} answered at {} after {} "
                + "attempts", method, path, base, attempts);
          }
          return r;
        } catch (SSLException e) {
          if (RegistryTls.certificateRefused(e)) {
            refusedCertificates++;
            refusal = e;
          }
          lastProblem = method + " " + base + path + " failed the TLS handshake: " + e
              + " (check " + RegistrySettings.TRUSTSTORE_LOCATION + ", and the key store if the registry wants mTLS)";
          String client = clientCertificateRefused(e);
          failed.put(base, RegistryTls.certificateRefused(e) ? refusedCertificate(e)
              : client != null ? client : "TLS handshake failed");
          lastError = e;
        } catch (IOException e) {
          lastProblem = method + " " + base + path + " failed: " + describe(e, base)
              + ("https".equalsIgnoreCase(base.getScheme())
                  ? " (an https registry that closes the connection may want a client certificate: "
                      + RegistrySettings.KEYSTORE_LOCATION + ")"
                  : "");
          failed.put(base, briefly(e, base, timeout));
          cut |= cutHere && e instanceof java.net.http.HttpTimeoutException;
          lastError = e;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new RegistryUnavailableException(settings.urlList(), attempts, "interrupted", e);
        }
      }
    }
    if (refusal != null && refusedCertificates == attempts) {
      // a setting to fix, not an outage: the same refusal came back on every try, at every URL
      throw RegistryTls.untrusted(settings.urlList(), attempts, refusal);
    }
    if (notServedAt != null && !lastProblem.contains(notServedAt.base.toString())) {
      lastProblem += "; and " + notServedAt.base + " in registry.url is not the registry's API root (it answered HTTP "
          + "404 '" + notServedAt.message() + "' for " + notServedAt.path + ")";
    }
    cut |= failed.size() < urls.size();
    // a URL no request reached did not fail: "the call's deadline had passed" read as its own timeout
    throw new RegistryUnavailableException(settings.urlList(), attempts, lastProblem, notServedAt != null,
        eachUrl(failed, attempts == 0 ? NOT_TRIED_EARLIER_REQUESTS : NOT_TRIED_OTHER_URLS), cut, lastError);
  }

  /**
   * Each URL of registry.url, in its order, to how its request failed ({@code failed}), or {@code untried} for one
   * not asked: what {@link RegistryUnavailableException#failures()} tells, for ping and for send alike.
   */
  private Map<String, String> eachUrl(Map<URI, String> failed, String untried) {
    Map<String, String> failures = new LinkedHashMap<>();
    for (URI url : settings.urls()) {
      failures.put(url.toString(), failed.getOrDefault(url, untried));
    }
    return failures;
  }

  /**
   * How a URL reads that a call left untried, its deadline spent on the other URLs: not "on the URLs before it", since
   * a call asks from the URL that last answered, so the one left may come first in registry.url.
   */
  static final String NOT_TRIED_OTHER_URLS = "not tried: the call's deadline was spent on the other URLs";

  /** How a URL reads that a call left untried, its deadline spent by the call's earlier requests. */
  static final String NOT_TRIED_EARLIER_REQUESTS = "not tried: the call's earlier requests spent its deadline";

  /** How a URL that refused the login reads in a failures map: "HTTP 401, login refused". */
  static String loginRefused(int status) {
    return "HTTP " + status + ", login refused";
  }

  /**
   * How long a ping of {@code timeout} goes on asking the other URLs after one refused the login (none is begun after
   * it), and the most each of them is waited for: a third of the timeout (1 s at the probe's default 3 s), ample for a
   * refused connection, a name that does not resolve or an HTTP answer, which are what tell the URLs apart; a silent
   * URL is then told as "no answer within 1000 ms", and those left as not asked.
   */
  static Duration lookAround(Duration timeout) {
    return timeout.dividedBy(3);
  }

  /** How a URL reads that a ping left unasked, its time after a refused login spent ({@link #lookAround}). */
  static final String NOT_ASKED_AFTER_REFUSAL = "not asked: the login was refused first";

  /** How a URL that answered, after another refused the login, reads in a refused login's failures map. */
  public static final String LOGIN_ACCEPTED = "answered, login accepted";

  /** How a request failed, in a few words, for {@link RegistryUnavailableException#failures()}. */
  private static String briefly(IOException e, URI base, Duration timeout) {
    if (e instanceof java.net.http.HttpTimeoutException && !(e instanceof java.net.http.HttpConnectTimeoutException)) {
      return "no answer within " + timeout.toMillis() + " ms";
    }
    if (describe(e, base).startsWith("connection refused")) {
      return "connection refused";
    }
    if (unresolved(e)) {
      return "host name does not resolve";
    }
    if (certificateRefused(e)) {
      return refusedCertificate(e);
    }
    String client = clientCertificateRefused(e);
    if (client != null) {
      return client;
    }
    String words = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    return words.length() <= 60 ? words : words.substring(0, 57) + "...";
  }

  /**
   * Statuses that say "not now" rather than anything about the request: 5xx, 429 (too many requests) and 408 (a
   * proxy or the registry gave up waiting). Retried, and in the end {@link RegistryUnavailableException}, so that a
   * slow registry stalls the stream instead of dead-lettering frames.
   */
  static boolean isTransient(int status) {
    return status >= 500 || status == 429 || status == 408;
  }

  private static final String NOT_THE_REGISTRYS = " (not the registry's answer, which is JSON: a load balancer or proxy "
      + "in front of it that has no route to it now, or registry.url does not point at its API root)";

  /** Most bytes of one answer: far above any schema, far below what would strain the heap. */
  static final int MAX_ANSWER_BYTES = 8 * 1024 * 1024;

  /**
   * One request, its whole answer within {@code timeout}: java.net.http's own timeout stops at the headers, so a
   * body sent a byte at a time would hold the caller (inside an open transaction) past the call's deadline. The
   * body is read up to {@link #MAX_ANSWER_BYTES}; a larger one fails instead of filling the heap.
   */
  private HttpResponse<String> exchange(HttpRequest request, Duration timeout) throws IOException, InterruptedException {
    long sentAt = System.nanoTime();
    // set once the answer's status line and headers came: the registry took the handshake, whatever fails after
    java.util.concurrent.atomic.AtomicBoolean headed = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.CompletableFuture<HttpResponse<String>> answer =
        http.sendAsync(request, info -> {
          headed.set(true);
          if (certificateRequests != null) {
            certificateRequests.answered(request.uri(), sentAt);
          }
          return HttpResponse.BodySubscribers.mapping(new CappedBody(MAX_ANSWER_BYTES,
              "far more than any schema: is the URL a schema registry's API root?"),
              b -> new String(b, StandardCharsets.UTF_8));
        });
    try {
      return answer.get(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      answer.cancel(true);
      throw new NoAnswerInTime(timeout);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof java.net.http.HttpTimeoutException late
          && !(late instanceof java.net.http.HttpConnectTimeoutException)) {
        // java.net.http's own timeout, the request's, is the same time and may fire first: the same wait
        NoAnswerInTime same = new NoAnswerInTime(timeout);
        same.initCause(late);
        throw same;
      }
      if (e.getCause() instanceof IOException io) {
        throw headed.get() ? io : closedAfterCertificateRequest(request, sentAt, io);
      }
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IOException(e.getCause());
    } catch (InterruptedException e) {
      answer.cancel(true);
      throw e;
    }
  }

  /**
   * {@code failure} of {@code request}, sent at {@code sentAt} (nanoTime), as the registry refusing the client
   * certificate where the registry asked for one in this request's own handshake and then closed the connection with
   * no alert that names the refusal (a TLS 1.3 server on Java: {@link CertificateRequests}); else {@code failure}. A
   * connection reused from an earlier request had no handshake now, a timeout stays a timeout, and a failure after the
   * answer's headers (too large a body) is not met here.
   */
  private IOException closedAfterCertificateRequest(HttpRequest request, long sentAt, IOException failure) {
    // a registry that answered without a certificate only wants one (want, not need): a close there later (a restart,
    // whose full handshake asks again) is no refusal
    if (certificateRequests == null || failure instanceof java.net.http.HttpTimeoutException
        || clientCertificateAlert(failure) != null || certificateRefused(failure)
        || certificateRequests.wantsOnly(request.uri())) {
      return failure;
    }
    CertificateRequests.Asked asked = certificateRequests.askedSince(request.uri(), sentAt);
    // where one was sent, a close is no sign of a refusal: with mutual TLS working every handshake asks and gets one
    return asked == null || asked.sent() ? failure : new ClosedAfterCertificateRequest(failure);
  }

  /** How one URL's failure reads where this host refused its certificate ({@link #certificateRefused}). */
  public static final String CERTIFICATE_NOT_TRUSTED = "certificate not trusted";

  /**
   * How one URL's failure begins where the registry refused this host's client certificate or asked for one
   * ({@link #clientCertificateRefused}): "check registry.ssl.truststore.location" sent the operator to the wrong store.
   */
  public static final String CLIENT_CERTIFICATE = "client certificate ";

  /**
   * "client certificate refused (TLS alert bad_certificate)" where the registry's TLS alert says it refused this host's
   * client certificate, "client certificate wanted (TLS alert certificate_required)" where it wanted one it did not
   * get; a TLS 1.2 server's handshake_failure, which it sends for a missing client certificate and for no cipher suite
   * in common alike (Java's client reads both as the same words), says both: null otherwise.
   */
  public static String clientCertificateRefused(Throwable t) {
    String alert = clientCertificateAlert(t);
    if (alert == null) {
      return null;
    }
    if (alert.equals(RegistryTls.NO_ALERT)) {
      return CLIENT_CERTIFICATE + "wanted (asked for in the TLS handshake, then the connection closed)";
    }
    return CLIENT_CERTIFICATE + (alert.equals(HANDSHAKE_FAILURE) ? "wanted, or no cipher in common"
        : alert.equals("certificate_required") ? "wanted" : "refused") + " (TLS alert " + alert + ")";
  }

  /**
   * The TLS alert's name (e.g. {@code bad_certificate}) where the registry refused this host's client certificate or
   * asked for one ({@link #clientCertificateRefused}); null otherwise.
   */
  public static String clientCertificateAlert(Throwable t) {
    return RegistryTls.clientCertificateAlert(t);
  }

  /**
   * Where {@code t} is the registry closing the connection after it asked for a client certificate (TLS 1.3 on Java:
   * no alert came), what it did in words, for the probe's advice; null otherwise.
   */
  public static String closedAfterCertificateRequest(Throwable t) {
    ClosedAfterCertificateRequest closed = closedAfterRequest(t);
    return closed == null ? null : "the registry asked for this host's client certificate in the TLS handshake, got"
        + " none (no key store set, or none of its certificates has a CA the registry named), and closed the connection"
        + " with no answer and no TLS alert that reached this host (as a registry on Java, Jetty's, refuses one)";
  }

  private static ClosedAfterCertificateRequest closedAfterRequest(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ClosedAfterCertificateRequest closed) {
        return closed;
      }
    }
    return null;
  }

  /**
   * The TLS alert a server sends where it wanted a client certificate and got none, and where it shares no cipher
   * suite with the client: advice for it names both.
   */
  public static final String HANDSHAKE_FAILURE = "handshake_failure";

  /** How one URL's failure reads where its certificate is trusted but names another host. */
  public static final String CERTIFICATE_FOR_ANOTHER_HOST = "certificate for another host";

  /** How one URL's failure begins where its certificate, or one of its chain, is out of its validity. */
  public static final String CERTIFICATE_OUT_OF_VALIDITY = "certificate ";

  /**
   * How one URL's refused certificate reads: expired (or not yet valid) with the date, trusted but for another host, or
   * not trusted. Expiry comes first: Java checks a chain's dates while it validates it, and an expired certificate of a
   * trusted CA was labelled "certificate not trusted", sending the operator to a trust store that holds the CA.
   */
  private static String refusedCertificate(Throwable e) {
    String validity = outOfValidity(e);
    if (validity != null) {
      return CERTIFICATE_OUT_OF_VALIDITY + validity;
    }
    return certificateForAnotherHost(e) ? CERTIFICATE_FOR_ANOTHER_HOST : CERTIFICATE_NOT_TRUSTED;
  }

  /**
   * "expired on 2026-11-30T10:00:00Z" or "not valid before ..." where Java refused a certificate of the chain for its
   * dates, the date taken from the certificate the validator names; null for any other refusal. Java's words
   * ("NotAfter: Mon Nov 30 ...") stand in for the date where no certificate is named.
   */
  public static String outOfValidity(Throwable t) {
    String words = null;
    for (Throwable c = t; c != null; c = c.getCause()) {
      boolean expired = c instanceof java.security.cert.CertificateExpiredException;
      if (c instanceof java.security.cert.CertPathValidatorException v
          && (v.getReason() == java.security.cert.CertPathValidatorException.BasicReason.EXPIRED
              || v.getReason() == java.security.cert.CertPathValidatorException.BasicReason.NOT_YET_VALID)
          && v.getCertPath() != null && v.getIndex() >= 0 && v.getIndex() < v.getCertPath().getCertificates().size()
          && v.getCertPath().getCertificates().get(v.getIndex()) instanceof java.security.cert.X509Certificate x) {
        return v.getReason() == java.security.cert.CertPathValidatorException.BasicReason.EXPIRED
            ? "expired on " + x.getNotAfter().toInstant() : "not valid before " + x.getNotBefore().toInstant();
      }
      if (words == null && (expired || c instanceof java.security.cert.CertificateNotYetValidException)) {
        words = (expired ? "expired" : "not yet valid") + (c.getMessage() == null ? "" : " (" + c.getMessage() + ")");
      }
    }
    return words;
  }

  /**
   * Whether Java refused a certificate whose chain it trusts for the host it names: the host-name check runs only on a
   * chain that validated, and throws a bare CertificateException with no cause (as BrokerTls reads the broker's); a
   * chain refused carries a CertPathBuilderException or CertPathValidatorException.
   */
  public static boolean certificateForAnotherHost(Throwable t) {
    boolean bare = false;
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof java.security.cert.CertPathBuilderException
          || c instanceof java.security.cert.CertPathValidatorException) {
        return false;
      }
      bare |= c.getClass() == java.security.cert.CertificateException.class && c.getCause() == null;
    }
    return bare;
  }

  /**
   * Whether {@code t} failed because this host refused the registry's certificate (an unknown CA, another host's name,
   * out of its validity): told by Java's certificate exceptions, as the start-up's stop is.
   */
  public static boolean certificateRefused(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SSLException ssl) {
        return RegistryTls.certificateRefused(ssl);
      }
    }
    return false;
  }

  /** Whether {@code t} failed because a host name did not resolve (java.net.http: a ConnectException over it). */
  public static boolean unresolved(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof java.nio.channels.UnresolvedAddressException || c instanceof java.net.UnknownHostException) {
        return true;
      }
    }
    return false;
  }

  /**
   * A failed request in words, the exception kept in parentheses for whoever debugs it. java.net.http reports a
   * connection nothing accepted as a bare ConnectException over a ClosedChannelException (it closes the channel, tries
   * again, and loses the system's "Connection refused"): that is named for what it is, with the host and port.
   */
  private static String describe(IOException e, URI base) {
    Throwable t = e;
    while (t.getMessage() == null && t.getCause() != null) {
      t = t.getCause();
    }
    String raw = t == e ? e.toString() : e.getClass().getName() + ": " + t;
    if (unresolved(e)) {
      // also a bare ConnectException, over an UnresolvedAddressException: no registry was reached to refuse anything
      return "host name " + base.getHost() + " does not resolve (check it in registry.url, and this host's DNS; " + raw
          + ")";
    }
    if (e instanceof java.net.ConnectException && (t.getMessage() == null
        || t.getMessage().toLowerCase(java.util.Locale.ROOT).contains("connection refused"))) {
      int port = base.getPort() != -1 ? base.getPort() : "https".equalsIgnoreCase(base.getScheme()) ? 443 : 80;
      // only a ConnectException from the connect itself is retried that way: no route to the host, a connect
      // timeout and the like keep their own words
      return "connection refused at " + base.getHost() + ":" + port + " (nothing accepts connections there; " + raw
          + ")";
    }
    return raw;
  }

  private HttpRequest request(URI base, String method, String path, String body, Duration timeout) {
    String root = base.toString().replaceAll("/+$", "");
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(root + path))
        .timeout(timeout)
        .header("Accept", CONTENT_TYPE + ", application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (body != null) {
      b.header("Content-Type", CONTENT_TYPE);
    }
    if (authorization != null) {
      // Sent up front: registries answer 401 without a challenge that java.net.http's Authenticator expects.
      b.header("Authorization", authorization);
    }
    return b.build();
  }

  /**
   * The wait a 429 or 503 asks for ({@code Retry-After}: seconds, or an HTTP date), in ms; 0 when absent or unreadable.
   * The next retry waits at least that long, up to the longest backoff ({@code registry.retry-backoff-ms} doubled, at
   * most 5 s) and within the call's deadline: a registry or its load balancer shedding load is not asked again sooner
   * than it said, and a frame's transaction is not held for a minute because it said so.
   */
  static long retryAfterMs(String value) {
    if (value == null || value.isBlank()) {
      return 0;
    }
    String v = value.trim();
    try {
      return v.chars().allMatch(Character::isDigit) ? Math.multiplyExact(Long.parseLong(v), 1000L)
          : Math.max(0, java.time.ZonedDateTime.parse(v, java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME)
              .toInstant().toEpochMilli() - System.currentTimeMillis());
    } catch (RuntimeException e) {
      return 0; // a value no server should send: the usual backoff
    }
  }

  /** Exponential backoff with "equal jitter": half fixed, half random, so that clients do not retry in step. */
  private long backoff(int round) {
    long initial = settings.initialBackoff().toMillis();
    long cap = settings.maxBackoff().toMillis();
    int shift = Math.min(round - 1, 30);
    // saturating: a first wait near Long.MAX_VALUE (a serde configured by hand) would wrap negative when doubled
    long delay = initial > (cap >> shift) ? cap : Math.min(cap, initial << shift);
    return delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
  }

  private void sleep(long millis, int round) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryUnavailableException(settings.urlList(), round, "interrupted while backing off", e);
    }
  }

  /** One HTTP answer, with the helpers that turn it into results or specific exceptions. */
  private record Response(URI base, String method, String path, int status, String body, boolean credentialsSent,
      Map<String, String> failures) {

    Response(URI base, String method, String path, int status, String body, boolean credentialsSent) {
      this(base, method, path, status, body, credentialsSent, Map.of());
    }

    /**
     * This answer, with each URL of registry.url and what it did in the call: a refused login at one of several URLs
     * then carries the others' failures ({@link RegistryRequestException#refusedLogin}).
     */
    Response withFailures(Map<String, String> failures) {
      return new Response(base, method, path, status, body, credentialsSent, failures);
    }

    JsonNode expectOk(String action) {
      if (status == 401 || status == 403) {
        // start-up prints this as it is: it must name the monitor's setting, not only the serde's key
        String credentials = credentialsSent
            ? "the registry refused the user:password sent: check " + RegistrySettings.BASIC_AUTH_USER_INFO
                + ", the monitor's registry.basic-auth.user-info (ADVMON_REGISTRY_BASIC_AUTH_USER_INFO), and the"
                + " user's rights"
            : "no user:password was sent: set registry.basic-auth.user-info (ADVMON_REGISTRY_BASIC_AUTH_USER_INFO;"
                + " a Kafka client's " + RegistrySettings.BASIC_AUTH_USER_INFO + ") if the registry wants one";
        String message = "registry " + base + " refused to " + action + " (HTTP " + status + "): " + message() + "; "
            + credentials;
        if (failures.size() >= 2) {
          // a silent URL asked before the refusing one was dropped from the start's error: the operator fixed the
          // login, restarted, and only then learnt of the other URL (start-up and the probe name each from these)
          throw RegistryRequestException.refusedLogin(message, status, failures);
        }
        throw new RegistryRequestException(message, status, null);
      }
      if (status >= 300 && status < 400) {
        throw new RegistryRequestException("registry " + base + " answered " + action + " with a redirect (HTTP "
            + status + ") that the monitor does not follow (credentials must not travel to another host): set "
            + "registry.url to where it points", status, null);
      }
      if (status != 200) {
        throw new RegistryRequestException("registry " + base + " could not " + action + " (HTTP " + status
            + "): " + message(), status, null);
      }
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new RegistryRequestException("registry " + base + " answered " + action + " with a body that "
            + "is not JSON (is the URL the registry's API root?): " + AnswerBody.summary(body), status, e);
      }
    }

    int requireId(int id) {
      if (id < 0) {
        throw new RegistryRequestException("registry " + base + " answered without a schema id: "
            + AnswerBody.summary(body), status, null);
      }
      return id;
    }

    /** The Avro schema text of {@code node} (an answer of this response), or what is wrong with it. */
    String avroText(JsonNode node, String what) {
      String type = node.path("schemaType").asText("AVRO");
      if (!"AVRO".equalsIgnoreCase(type)) {
        throw new AvroDecodeException(what + " at " + base + " is a " + type + " schema, not Avro", null);
      }
      String text = node.path("schema").asText(null);
      if (text == null) {
        throw new RegistryRequestException("registry " + base + " answered without a schema for " + what
            + ": " + AnswerBody.summary(body), status, null);
      }
      return text;
    }

    /**
     * A 4xx (other than 401/403: the credentials are refused whoever refuses them) whose body is not a registry's JSON
     * error: every Confluent-API registry, Apicurio too (even for a path it does not serve), answers errors with
     * {@code message} and {@code error_code}, so an HTML page or an empty body came from a load balancer or proxy in
     * front of it. Its 404 says "no route now", not "no such schema": taken as the schema id's answer, it would
     * dead-letter every frame with an id not yet cached (and remember that for a minute) while the route is down.
     * For a schema or subject ({@code /schemas/...}, {@code /subjects/...}) a 404 is the registry's "no such schema,
     * subject or version" only with an {@code error_code} of 404xx (40401, 40402, 40403): Confluent's and Apicurio's
     * answer for a path they do not serve is a JSON 404 too, with {@code error_code} 404 or 0 (a {@code registry.url}
     * without Apicurio's {@code /apis/ccompat/v7}), and an API gateway's has a {@code message} only (Kong: "no Route
     * matched with those values"). Elsewhere ({@code /config}, which some registries do not serve) any JSON 404 is.
     */
    boolean isSomeoneElsesError() {
      if (status < 400 || status >= 500 || status == 401 || status == 403) {
        return false;
      }
      try {
        JsonNode node = JSON.readTree(body);
        if (node == null || !node.isObject() || !(node.has("error_code") || node.has("message"))) {
          return true;
        }
        int code = node.path("error_code").asInt(-1);
        boolean schemaOrSubject = path.startsWith("/schemas/") || path.startsWith("/subjects/");
        return status == 404 && schemaOrSubject && (code < 40400 || code > 40499) && !notServed();
      } catch (IOException e) {
        return true;
      }
    }

    /**
     * Registering or looking up a schema ({@code POST /subjects/...}, what start-up does) answered by the registry's
     * own JSON error ({@code error_code} and {@code message}) with a 404 that is no "no such subject or schema" (not
     * 404xx): it serves no such path, so {@code registry.url} is not its API root (Apicurio's without
     * {@code /apis/ccompat/v7}: error_code 404, or 0 under {@code /apis/ccompat}; Confluent's under another path:
     * 404). Not retried: every attempt gets the same answer, and a monitor that waits for the registry at start-up
     * would wait for good (the default {@code startup.max-wait-ms}) instead of saying what to fix. A gateway's 404
     * ({@code message} only) stays "no route now". Frames' GETs are not judged so: a URL that answered at start-up
     * does not stop being the API root, so there it is taken as a route away (see {@link #isSomeoneElsesError}).
     */
    boolean notServed() {
      if (status != 404 || !"POST".equals(method) || !path.startsWith("/subjects/")) {
        return false;
      }
      try {
        JsonNode node = JSON.readTree(body);
        if (node == null || !node.isObject() || !node.has("error_code") || !node.has("message")) {
          return false;
        }
        int code = node.path("error_code").asInt(-1);
        return code < 40400 || code > 40499;
      } catch (IOException e) {
        return false;
      }
    }

    /** Throws what to fix when {@link #notServed()}. */
    void requireServed(String action) {
      if (notServed()) {
        throw new RegistryRequestException("registry " + base + " could not " + action + ": " + method + " " + base
            + path + " answered HTTP 404 '" + message() + "', the registry's answer for a path it does not serve, so "
            + "registry.url (the monitor's; " + RegistrySettings.URL + " in a Kafka client's configuration) does not "
            + "point at its API root: for Apicurio it ends with /apis/ccompat/v7 "
            + "(http://HOST:8080/apis/ccompat/v7), for Confluent Schema Registry, Karapace and Redpanda it is the "
            + "server's root (http://HOST:8081)", status, true, null);
      }
    }

    /** The registry's own message ({@code message}, with {@code error_code} when it is not Apicurio's 0). */
    String message() {
      try {
        JsonNode node = JSON.readTree(body);
        if (node != null && node.hasNonNull("message")) {
          int code = node.path("error_code").asInt(0);
          return node.get("message").asText() + (code != 0 ? " (error_code " + code + ")" : "");
        }
      } catch (IOException e) {
        // Not JSON (a proxy's HTML page, say): show the raw text instead.
      }
      return AnswerBody.summary(body);
    }
  }
}
