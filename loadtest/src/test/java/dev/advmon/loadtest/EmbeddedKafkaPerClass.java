package dev.advmon.loadtest;

import dev.advmon.demo.EmbeddedKafka;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension: one {@link EmbeddedKafka} (the broker of {@code --embedded}) per test class, started before its
 * first test and closed after its last. Use: {@code @ExtendWith(EmbeddedKafkaPerClass.class)}, then declare a
 * parameter of type {@link EmbeddedKafka} in a test or lifecycle method.
 */
final class EmbeddedKafkaPerClass implements BeforeAllCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(EmbeddedKafkaPerClass.class);
  private static final String KEY = "broker";

  @Override
  public void beforeAll(ExtensionContext context) {
    broker(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    return parameterContext.getParameter().getType() == EmbeddedKafka.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    return broker(extensionContext);
  }

  /** The class's broker: kept in the class's store (a test's store looks there too), which JUnit closes after it. */
  private static EmbeddedKafka broker(ExtensionContext context) {
    return context.getStore(NAMESPACE).getOrComputeIfAbsent(KEY, k -> {
      try {
        return new Started(EmbeddedKafka.start());
      } catch (Exception e) {
        throw new IllegalStateException("The in-process Kafka broker (EmbeddedKafka) for "
            + context.getRequiredTestClass().getSimpleName() + " did not start: see the cause", e);
      }
    }, Started.class).kafka;
  }

  /** Closes the broker when JUnit closes the class's store. */
  @SuppressWarnings("deprecation") // CloseableResource: JUnit 5.x before 5.13; AutoCloseable: 5.13 and later
  private record Started(EmbeddedKafka kafka) implements ExtensionContext.Store.CloseableResource, AutoCloseable {
    @Override
    public void close() throws Exception {
      kafka.close();
    }
  }
}
