package dev.advmon.campaign;

import dev.advmon.schema.FrameVerdict;
import java.util.List;

/**
 * One verdict as a camera's campaign state counts it: whether it was flagged, for which reasons, and the frame's id
 * (so that a CAMPAIGN alert can say what it rests on and name frames to look at).
 *
 * @param reasons the verdict's reasons (empty when not flagged)
 * @param frameId the frame's id; null in records written before it was carried
 */
public record CampaignFlag(boolean flagged, List<String> reasons, String frameId) {

  public CampaignFlag {
    reasons = reasons == null ? List.of() : List.copyOf(reasons);
  }

  public static CampaignFlag of(FrameVerdict verdict) {
    return new CampaignFlag(verdict.getAlert(),
        verdict.getAlert() ? verdict.getReasons().stream().map(CharSequence::toString).toList() : List.of(),
        verdict.getFrameId());
  }

  /** A flag as the repartition topic carried it before reasons and frame ids: a bare boolean. */
  public static CampaignFlag bare(boolean flagged) {
    return new CampaignFlag(flagged, List.of(), null);
  }
}
