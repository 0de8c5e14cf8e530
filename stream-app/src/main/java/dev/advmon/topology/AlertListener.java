package dev.advmon.topology;

import dev.advmon.schema.Alert;
import dev.advmon.schema.Frame;

/**
 * Sees every alert as the topology writes it, with the frame that raised it, for views inside the monitor's
 * own process (the dashboard). Reading the alerts topic instead would lose the frame: alerts do not carry it.
 * Called once the alert is serialized for the alerts topic, so an alert that cannot be written is never seen.
 *
 * <p>Called on a stream thread, before the transaction commits: after a task restart the same alert (same
 * {@code alertId}) can be seen again, so implementations de-duplicate by id. It must be quick and must not
 * throw (a throw would fail the stream task).
 */
@FunctionalInterface
public interface AlertListener {

  AlertListener NONE = (alert, frame) -> {};

  /** @param frame the frame that raised a frame alert; null for camera-level alerts (CAMPAIGN, ...) */
  void onAlert(Alert alert, Frame frame);
}
