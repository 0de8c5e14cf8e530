package dev.advmon.deploy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.StringReader;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * A rendered kustomization as typed objects: Kubernetes' own kinds through fabric8's model (the class chosen by
 * apiVersion/kind), the custom resources through {@link CustomResources}. Nothing untyped gets through: a kind that
 * fabric8 does not know and that is not one of ours fails, and so does any field the types do not define (fabric8
 * keeps those in additionalProperties, which {@link #unknownFields} walks; our records fail on them while reading).
 */
final class Manifests {

  private static final KubernetesSerialization KUBERNETES = new KubernetesSerialization();
  private static final YAMLMapper STRICT = YAMLMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  final String name;
  final List<HasMetadata> kubernetes = new ArrayList<>();
  final List<CustomResources.Resource> custom = new ArrayList<>();

  private Manifests(String name) {
    this.name = name;
  }

  static Manifests render(String dir) throws Exception {
    return render(Kustomize.repoRoot().resolve("k8s"), dir);
  }

  /** As {@link #render(String)}, from {@code k8s}, a copy of k8s/ that a test changed. */
  static Manifests render(Path k8s, String dir) throws Exception {
    Manifests m = new Manifests(dir);
    for (String doc : Kustomize.render(k8s, dir)) {
      Map<?, ?> raw = STRICT.readValue(doc, Map.class);
      String type = raw.get("apiVersion") + "/" + raw.get("kind");
      Class<? extends CustomResources.Resource> custom = CustomResources.TYPES.get(type);
      if (custom != null) {
        try {
          m.custom.add(STRICT.readValue(doc, custom));
        } catch (RuntimeException e) {
          throw new AssertionError(dir + ": " + type + " " + name(raw) + " does not match its schema: " + e.getMessage(), e);
        }
        continue;
      }
      KubernetesResource parsed = KUBERNETES.unmarshal(doc, KubernetesResource.class);
      if (parsed instanceof GenericKubernetesResource || !(parsed instanceof HasMetadata typed)) {
        throw new AssertionError(dir + ": " + type + " " + name(raw) + " is no kind the tests know (neither fabric8's"
            + " model nor CustomResources): add a typed class before adding such a resource");
      }
      List<String> unknown = unknownFields(typed, type + " " + typed.getMetadata().getName());
      if (!unknown.isEmpty()) {
        throw new AssertionError(dir + ": fields that " + type + " does not define: " + unknown);
      }
      m.kubernetes.add(typed);
    }
    for (CustomResources.Resource r : m.custom) {
      List<String> unknown = unknownFields(r.metadata(), r.kind() + " " + r.metadata().getName() + " metadata");
      if (!unknown.isEmpty()) {
        throw new AssertionError(dir + ": unknown metadata fields: " + unknown);
      }
    }
    return m;
  }

  private static Object name(Map<?, ?> raw) {
    return raw.get("metadata") instanceof Map<?, ?> meta ? meta.get("name") : "(no name)";
  }

  <T extends HasMetadata> List<T> all(Class<T> type) {
    return kubernetes.stream().filter(type::isInstance).map(type::cast).toList();
  }

  <T extends HasMetadata> T one(Class<T> type) {
    List<T> found = all(type);
    if (found.size() != 1) {
      throw new AssertionError(name + ": expected one " + type.getSimpleName() + ", found " + found.size());
    }
    return found.get(0);
  }

  <T extends CustomResources.Resource> List<T> allCustom(Class<T> type) {
    return custom.stream().filter(type::isInstance).map(type::cast).toList();
  }

  <T extends CustomResources.Resource> T oneCustom(Class<T> type) {
    List<T> found = allCustom(type);
    if (found.size() != 1) {
      throw new AssertionError(name + ": expected one " + type.getSimpleName() + ", found " + found.size());
    }
    return found.get(0);
  }

  <T extends HasMetadata> Optional<T> named(Class<T> type, String name) {
    return all(type).stream().filter(o -> o.getMetadata().getName().equals(name)).findFirst();
  }

  /**
   * The monitor.properties that {@code cm} holds, written as {@code dir}/monitor.properties for
   * {@code MonitorConfig.load}, the file a pod reads where the ConfigMap is mounted.
   */
  static Path monitorPropertiesFile(ConfigMap cm, Path dir) throws IOException {
    Properties settings = new Properties();
    settings.load(new StringReader(cm.getData().get("monitor.properties")));
    Path file = dir.resolve("monitor.properties");
    try (var w = Files.newBufferedWriter(file)) {
      settings.store(w, null);
    }
    return file;
  }

  /** Paths of every field that fabric8's typed model did not recognise (kept in an additionalProperties map). */
  static List<String> unknownFields(Object root, String path) {
    List<String> out = new ArrayList<>();
    walk(root, path, out, 0);
    return out;
  }

  private static void walk(Object o, String path, List<String> out, int depth) {
    if (o == null || depth > 40) {
      return;
    }
    if (o instanceof Collection<?> c) {
      int i = 0;
      for (Object e : c) {
        walk(e, path + "[" + i++ + "]", out, depth + 1);
      }
      return;
    }
    if (o instanceof Map<?, ?> map) {
      map.forEach((k, v) -> walk(v, path + "." + k, out, depth + 1));
      return;
    }
    if (!o.getClass().getName().startsWith("io.fabric8.")) {
      return;
    }
    for (Method m : o.getClass().getMethods()) {
      if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || m.getDeclaringClass() == Object.class) {
        continue;
      }
      String n = m.getName();
      try {
        if (n.equals("getAdditionalProperties")) {
          Object extra = m.invoke(o);
          if (extra instanceof Map<?, ?> map && !map.isEmpty()) {
            map.keySet().forEach(k -> out.add(path + "." + k));
          }
        } else if (n.startsWith("get") && n.length() > 3 && !m.getReturnType().isPrimitive()) {
          walk(m.invoke(o), path + "." + Character.toLowerCase(n.charAt(3)) + n.substring(4), out, depth + 1);
        }
      } catch (ReflectiveOperationException | RuntimeException e) {
        // a derived getter that throws is no field
      }
    }
  }
}
