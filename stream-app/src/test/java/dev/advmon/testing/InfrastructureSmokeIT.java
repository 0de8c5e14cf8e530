package dev.advmon.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Proves that the shared test infrastructure is real: a transactional broker and a working registry. */
@RealKafkaAndRegistry
class InfrastructureSmokeIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    @Test
    void transactionalRecordIsReadCommittedAndAbortedOneIsNot(KafkaBroker.Info broker) throws Exception {
        assertThat(KafkaBroker.bootstrapServers()).isEqualTo(broker.bootstrapServers());
        String topic = "smoke-" + UUID.randomUUID();

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
            // the broker lists a new topic once its metadata has spread, which a loaded machine can delay
            assertThat(Await.until(() -> {
                try {
                    return admin.listTopics().names().get().contains(topic);
                } catch (Exception e) {
                    return false;
                }
            }, java.time.Duration.ofSeconds(30))).as("topic %s listed", topic).isTrue();
        }

        Map<String, Object> producerConfig = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, "smoke-tx-" + UUID.randomUUID(),
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer =
                     new KafkaProducer<>(producerConfig, new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "aborted"));
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "committed")).get();
            producer.commitTransaction();
        }

        Map<String, Object> consumerConfig = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "smoke-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                     new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(Set.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
            // Anything after the committed record would also have arrived by now: poll a little longer.
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                values.add(record.value());
            }
        }
        assertThat(values).containsExactly("committed");
    }

    @Test
    void avroSchemaRegistersAndReadsBackById(SchemaRegistryServer.Info registry) throws Exception {
        assertThat(SchemaRegistryServer.url()).isEqualTo(registry.url());
        assertThat(registry.url()).startsWith("http://127.0.0.1:").endsWith("/apis/ccompat/v7");
        HttpClient http = HttpClient.newHttpClient();

        JsonNode config = JSON.readTree(send(http, HttpRequest.newBuilder(URI.create(registry.url() + "/config")).GET(), 200));
        assertThat(config.path("compatibilityLevel").asText()).isEqualTo("BACKWARD");

        // A unique record name: ids are content ids in Apicurio, so identical schemas would share one.
        String recordName = "Smoke" + UUID.randomUUID().toString().replace("-", "");
        Schema schema = new Schema.Parser().parse("""
                {"type": "record", "name": "%s", "namespace": "dev.advmon.smoke",
                 "fields": [{"name": "frameId", "type": "string"}, {"name": "score", "type": "double"}]}
                """.formatted(recordName));
        String subject = "smoke-" + recordName + "-value";
        String body = JSON.writeValueAsString(Map.of("schema", schema.toString()));

        JsonNode registered = JSON.readTree(send(http, HttpRequest.newBuilder(
                        URI.create(registry.url() + "/subjects/" + URLEncoder.encode(subject, StandardCharsets.UTF_8) + "/versions"))
                .header("Content-Type", CONTENT_TYPE)
                .POST(HttpRequest.BodyPublishers.ofString(body)), 200));
        assertThat(registered.has("id")).as("response %s", registered).isTrue();
        int id = registered.get("id").asInt();

        JsonNode byId = JSON.readTree(send(http, HttpRequest.newBuilder(URI.create(registry.url() + "/schemas/ids/" + id)).GET(), 200));
        Schema readBack = new Schema.Parser().parse(byId.get("schema").asText());
        assertThat(readBack).isEqualTo(schema);

        JsonNode subjects = JSON.readTree(send(http, HttpRequest.newBuilder(URI.create(registry.url() + "/subjects")).GET(), 200));
        List<String> names = new ArrayList<>();
        subjects.forEach(n -> names.add(n.asText()));
        assertThat(names).contains(subject);
    }

    private static String send(HttpClient http, HttpRequest.Builder request, int expectedStatus) throws Exception {
        HttpResponse<String> response = http.send(request.timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s -> %s", response.request().uri(), response.body())
                .isEqualTo(expectedStatus);
        return response.body();
    }
}
