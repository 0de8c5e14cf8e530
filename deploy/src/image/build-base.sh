#!/usr/bin/env bash
# Builds the base image of the monitor's CPU container image, offline, from this machine's own files, as a
# Docker-format tarball that Jib reads with from.image=tar://... (no registry, no Docker daemon).
#
# What the base holds (one layer, reproducible: sorted, mtime 0, owner 0, gzip -n):
#   /opt/java                 a jlink runtime made from the JDK given (Temurin: its lib/ needs only glibc)
#   /lib/x86_64-linux-gnu     glibc, libstdc++ and libgcc_s copied from this machine (what ldd says the runtime
#   /lib64/ld-linux-...       and the native libraries given as arguments need; anything unresolved is an error)
#   /etc/passwd, /etc/group   root and nonroot (65532), /etc/nsswitch.conf (files, dns)
#   /tmp (1777), /home/nonroot
#   /usr/share/doc/*/copyright the licences of the copied Debian libraries
# It is not a distribution: no shell, no package manager, no package database (image scanners see no OS packages).
#
# Usage: build-base.sh JDK OUT_DIR [NATIVE_DIR...]
#   JDK        a JDK 23+ able to jlink (jmods, or a linkable runtime as Temurin 24+ is): the entrypoint's flags need 23
#   OUT_DIR    gets rootfs/ (kept: the GPU image reuses rootfs/opt/java) and base.tar
#   NATIVE_DIR folders of native libraries the application loads (ONNX Runtime, RocksDB) whose dependencies
#              must be in the base too
set -euo pipefail
# (no `| head` below: a reader that quits early would kill its writer with SIGPIPE, which pipefail reports)

jdk="${1:?usage: build-base.sh JDK OUT_DIR [NATIVE_DIR...]}"
out="${2:?usage: build-base.sh JDK OUT_DIR [NATIVE_DIR...]}"
shift 2
natives=("$@")

fail() { echo "build-base.sh: $*" >&2; exit 1; }
[ -x "$jdk/bin/jlink" ] || fail "no jlink under $jdk: set -Dimage.jdk=<a JDK 23+ home> (the image carries a runtime made from it)"
# The image's entrypoint (deploy/pom.xml) passes --sun-misc-unsafe-memory-access=allow, which a JVM before 23 refuses
# at start ("Unrecognized option"): every pod would crash-loop. Refuse such a JDK here, where the fix is one setting.
release_version="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$jdk/release" 2>/dev/null)"
[ -n "$release_version" ] || fail "cannot read JAVA_VERSION from $jdk/release: set -Dimage.jdk=<a JDK 23+ home>"
[ "$release_version" -ge 23 ] || fail "the JDK at $jdk is Java $release_version: the image's entrypoint passes --sun-misc-unsafe-memory-access=allow, which Java before 23 refuses; set -Dimage.jdk=<a JDK 23+ home> (default /usr/lib/jvm/temurin-25-jdk-amd64)"
for tool in tar gzip sha256sum ldd; do command -v "$tool" >/dev/null || fail "$tool is needed"; done
[ "$(uname -m)" = x86_64 ] || fail "only x86_64 (linux/amd64) images are built; this machine is $(uname -m)"

# The modules the application uses (jdeps --print-module-deps over stream-app and its runtime dependencies:
# java.base, java.compiler, java.desktop, java.naming, java.net.http, java.security.jgss, java.security.sasl,
# java.sql, jdk.httpserver, jdk.management, jdk.unsupported), plus what they reach only by reflection or service
# lookup: TLS elliptic curves, JAAS login modules for SASL, DNS, zip file systems, logging and XML.
modules=java.base,java.compiler,java.desktop,java.logging,java.management,java.naming,java.net.http,java.security.jgss,java.security.sasl,java.sql,java.xml,jdk.crypto.ec,jdk.httpserver,jdk.management,jdk.naming.dns,jdk.security.auth,jdk.unsupported,jdk.zipfs

# Unchanged inputs (this script, the JDK, this machine's C library, the native libraries): keep the last base, so
# that a rebuild costs nothing and Jib finds its layer in its cache.
stamp="$( { cat "$0"; cat "$jdk/release"; ldd --version 2>/dev/null | sed -n 1p; for n in "${natives[@]}"; do find "$n" -type f -printf '%P %s\n' 2>/dev/null | sort; done; } | sha256sum | cut -d' ' -f1)"
if [ -f "$out/base.tar" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "build-base.sh: $out/base.tar is up to date"
  exit 0
fi

rm -rf "$out"
rootfs="$out/rootfs"
mkdir -p "$rootfs/opt" "$rootfs/etc" "$rootfs/lib/x86_64-linux-gnu" "$rootfs/lib64" "$rootfs/tmp" "$rootfs/home/nonroot"

"$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --output "$rootfs/opt/java"
# AWT's X11 and sound back ends and the splash screen: never loaded headless (-Djava.awt.headless=true), and they
# would pull X11 and ALSA libraries into the image
rm -f "$rootfs/opt/java/lib/"{libawt_xawt.so,libjawt.so,libjsound.so,libsplashscreen.so}

# The shared libraries everything needs, resolved on this machine; copied under their soname.
declare -A libs=()
scan() {
  local f="$1" line name path
  while IFS= read -r line; do
    case "$line" in
      *"not found"*)
        name="$(echo "${line%% =>*}" | tr -d '[:space:]')"
        # a sibling loaded first by its own loader satisfies it (ONNX Runtime's JNI library needs libonnxruntime.so.1,
        # the jar ships it as libonnxruntime.so with that soname)
        [ -e "$(dirname "$f")/${name%%.so*}.so" ] && continue
        fail "$f needs $name (not found on this machine)";;
      *"=>"*) name="$(echo "${line%% =>*}" | tr -d '[:space:]')"; path="$(echo "$line" | sed -E 's/.*=> ([^ ]+) .*/\1/')";;
      */ld-linux*) name="ld-linux-x86-64.so.2"; path="$(echo "$line" | awk '{print $1}')";;
      *) continue;;
    esac
    case "$name" in
      lib*.so*|ld-linux*) ;;
      *) continue;;
    esac
    [ -e "$path" ] || continue
    case "$path" in "$rootfs"/*|"$jdk"/*) continue;; esac  # the runtime's own libraries
    for n in "${natives[@]}"; do case "$path" in "$n"/*) continue 2;; esac; done
    libs["$name"]="$path"
  done < <(LD_LIBRARY_PATH="$rootfs/opt/java/lib:$rootfs/opt/java/lib/server${natives:+:$(IFS=:; echo "${natives[*]}")}" ldd "$f" 2>/dev/null || true)
}
while IFS= read -r -d '' f; do scan "$f"; done < <(find "$rootfs/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) -print0)
for n in "${natives[@]}"; do
  [ -d "$n" ] || fail "native library folder $n does not exist"
  while IFS= read -r -d '' f; do scan "$f"; done < <(find "$n" -type f -name '*.so*' -print0)
done
# snappy-java and zstd-jni unpack their natives at run time; they need libstdc++ and libgcc_s, which ONNX
# Runtime needs too: make sure they are there even if no native folder was given
for must in libstdc++.so.6 libgcc_s.so.1; do
  if [ -z "${libs[$must]:-}" ]; then
    p="$(ldconfig -p 2>/dev/null | awk -v n="$must" '$1 == n && /x86-64/ && !p {print $NF; p = 1}')"
    [ -n "$p" ] || fail "$must not found on this machine"
    libs["$must"]="$p"
  fi
done
for name in "${!libs[@]}"; do
  case "$name" in linux-vdso*) continue;; esac
  if [ "$name" = ld-linux-x86-64.so.2 ]; then
    cp -L "${libs[$name]}" "$rootfs/lib64/$name"
  else
    cp -L "${libs[$name]}" "$rootfs/lib/x86_64-linux-gnu/$name"
  fi
done
# licences of the Debian packages the libraries came from
if command -v dpkg >/dev/null; then
  for name in "${!libs[@]}"; do
    # merged /usr: dpkg knows a library under the path ldd gave or under the resolved one
    pkg="$( (dpkg -S "${libs[$name]}" || dpkg -S "$(readlink -f "${libs[$name]}")") 2>/dev/null | sed -n 1p | cut -d: -f1 || true)"
    if [ -n "$pkg" ] && [ -f "/usr/share/doc/$pkg/copyright" ]; then
      mkdir -p "$rootfs/usr/share/doc/$pkg"
      cp "/usr/share/doc/$pkg/copyright" "$rootfs/usr/share/doc/$pkg/copyright"
    fi
  done
fi

cat > "$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
cat > "$rootfs/etc/group" <<'EOF'
root:x:0:
nonroot:x:65532:
EOF
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$rootfs/etc/nsswitch.conf"
chmod 1777 "$rootfs/tmp"
chmod -R u+rwX,go+rX,go-w "$rootfs/opt" "$rootfs/lib" "$rootfs/lib64" "$rootfs/etc" "$rootfs/home"
[ ! -d "$rootfs/usr" ] || chmod -R u+rwX,go+rX,go-w "$rootfs/usr"

# One reproducible layer; /home/nonroot is appended owned by 65532.
layer="$out/layer.tar"
tar_opts=(--sort=name --mtime=@0 --numeric-owner --format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime)
tar "${tar_opts[@]}" --owner=0 --group=0 --exclude=./home/nonroot -C "$rootfs" -cf "$layer" .
tar "${tar_opts[@]}" --owner=65532 --group=65532 -C "$rootfs" -rf "$layer" ./home/nonroot
diff_id="sha256:$(sha256sum "$layer" | cut -d' ' -f1)"
gzip -n -6 "$layer"

java_version="$(sed -n 's/^JAVA_VERSION="\(.*\)"/\1/p' "$jdk/release")"
java_vendor="$(sed -n 's/^IMPLEMENTOR="\(.*\)"/\1/p' "$jdk/release")"
glibc="$(ldd --version 2>/dev/null | sed -n 1p | sed 's/.* //')"
cat > "$out/config.json" <<EOF
{"architecture":"amd64","os":"linux","config":{"User":"65532:65532","WorkingDir":"/home/nonroot","Env":["PATH=/opt/java/bin:/usr/bin:/bin","JAVA_HOME=/opt/java","LANG=C.UTF-8"],"Labels":{"dev.advmon.base.java":"$java_vendor $java_version","dev.advmon.base.glibc":"$glibc","dev.advmon.base.built-from":"this machine's JDK and libraries (deploy/src/image/build-base.sh)"}},"rootfs":{"type":"layers","diff_ids":["$diff_id"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"deploy/src/image/build-base.sh: jlink runtime ($java_vendor $java_version) + glibc $glibc, libstdc++, libgcc_s"}]}
EOF
printf '[{"Config":"config.json","RepoTags":["advmon-base:local"],"Layers":["layer.tar.gz"]}]\n' > "$out/manifest.json"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$out" -cf "$out/base.tar" manifest.json config.json layer.tar.gz
rm -f "$out/layer.tar.gz"
echo "$stamp" > "$out/stamp"
echo "build-base.sh: $out/base.tar ($(du -h "$out/base.tar" | cut -f1)): $java_vendor $java_version, glibc $glibc, ${#libs[@]} libraries"
