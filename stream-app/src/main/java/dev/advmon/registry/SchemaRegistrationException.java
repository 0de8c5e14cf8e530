package dev.advmon.registry;

/**
 * The registry refused to register a schema: incompatible with the subject's earlier versions (HTTP 409)
 * or invalid (HTTP 422). Retrying does not help; the schema change or the subject's compatibility level must.
 */
public final class SchemaRegistrationException extends RegistrySerdeException {

  public static final String REASON = "SCHEMA_REJECTED";

  private final String subject;
  private final int httpStatus;

  public SchemaRegistrationException(String subject, int httpStatus, String registryMessage) {
    super("registry rejected the schema for subject '" + subject + "' (HTTP " + httpStatus + "): "
        + registryMessage
        + (httpStatus == 409
            ? "; make the change compatible (new fields need defaults) or change the subject's compatibility level"
            : ""),
        null);
    this.subject = subject;
    this.httpStatus = httpStatus;
  }

  public String subject() {
    return subject;
  }

  public int httpStatus() {
    return httpStatus;
  }

  @Override
  public String reason() {
    return REASON;
  }
}
