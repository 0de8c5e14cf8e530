package dev.advmon.campaign;

/**
 * The camera part of every alert id, frame alerts' and campaigns' alike ({@code <camera>/<frame>/<kind>},
 * {@code <camera>/CAMPAIGN/<window>}, ...). Consumers remove repeats by alert id, so two alerts must never share one:
 * joined as they are, camera {@code a/b} with frame {@code c} and camera {@code a} with frame {@code b/c} both gave
 * {@code a/b/c/KIND}. A slash in a camera id (a site prefix, {@code site-1/cam-3}) is therefore written {@code %2F},
 * and a percent sign {@code %25} so that the escape cannot be forged; the first slash then ends the camera (the last
 * starts a frame alert's kind; a campaign id's window or quiet time follows its kind). Ids without either character
 * are unchanged.
 */
public final class AlertIds {

  private AlertIds() {}

  /** {@code cameraId} as the first part of an alert id. */
  public static String camera(String cameraId) {
    if (cameraId.indexOf('/') < 0 && cameraId.indexOf('%') < 0) {
      return cameraId;
    }
    return cameraId.replace("%", "%25").replace("/", "%2F");
  }
}
