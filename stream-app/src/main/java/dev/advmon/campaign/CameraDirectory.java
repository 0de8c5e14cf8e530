package dev.advmon.campaign;

import java.util.List;
import java.util.Optional;

/** Where the current per-camera state can be read (the topology's state store, in the running monitor). */
public interface CameraDirectory {

  /** Every known camera, by id. */
  List<CameraStatus> all();

  Optional<CameraStatus> one(String cameraId);
}
