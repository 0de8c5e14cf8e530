package dev.advmon.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.Schema;

/**
 * A schema as it is registered and looked up: without the Java-only {@code avro.java.string} properties that the
 * generated classes carry (schemas/pom.xml has stringType String). The registry compares schemas with their
 * properties, so the classes' schema would never match the same schema registered from its .avsc file (by an
 * operator, with registry.auto-register=false, or by a producer in another language), and a lookup would say "not
 * registered" although it is. Reading is unaffected: the reader schema (the generated class's) decides Java types.
 */
public final class PortableSchema {

  private static final String JAVA_STRING = "avro.java.string";
  private static final ObjectMapper JSON = new ObjectMapper();

  private PortableSchema() {}

  /**
   * The id of {@code schema} under {@code subject}: registered in its portable form with {@code autoRegister}, else
   * looked up in its portable form and, failing that, as it is (as an earlier version of this monitor registered it).
   */
  public static int id(SchemaRegistry registry, String subject, Schema schema, boolean autoRegister) {
    Schema portable = of(schema);
    if (autoRegister) {
      return registry.register(subject, portable);
    }
    try {
      return registry.idOf(subject, portable);
    } catch (SchemaNotFoundException e) {
      if (portable == schema) {
        throw e;
      }
      try {
        return registry.idOf(subject, schema);
      } catch (SchemaNotFoundException withJavaProperties) {
        throw e;
      }
    }
  }

  /** {@code schema} without {@value #JAVA_STRING} anywhere in it; the same object when it has none. */
  public static Schema of(Schema schema) {
    String text = schema.toString();
    if (!text.contains("\"" + JAVA_STRING + "\"")) {
      return schema;
    }
    try {
      JsonNode tree = JSON.readTree(text);
      strip(tree);
      return new Schema.Parser().parse(JSON.writeValueAsString(tree));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot rewrite schema " + schema.getFullName(), e);
    }
  }

  private static void strip(JsonNode node) {
    if (node instanceof ObjectNode o) {
      o.remove(JAVA_STRING);
    }
    node.forEach(PortableSchema::strip);
  }
}
