#!/usr/bin/env bash
# Builds the GPU-machine bundle OUTSIDE git (default dist/unitune-device-bundle.tar.gz; dist/ is ignored):
#   bundle/jre/           jlinked JRE (java.base, java.desktop, jdk.incubator.vector, jdk.unsupported,
#                         java.logging, java.management) - the GPU machines have no Java
#   bundle/unitune.jar    the shaded application jar (all modules, JOCL + JCuda driver natives)
#   bundle/test-classes/  the kernels module's compiled tests (device op contract, golden cases)
#   bundle/test-lib/      the JUnit Platform jars DeviceTestMain needs to run them without Maven
#   bundle/scripts/       device-check.sh and gpu-peers.py
# Usage: scripts/build-device-bundle.sh [output.tar.gz]     SKIP_BUILD=1 reuses existing build outputs.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/dist/unitune-device-bundle.tar.gz}"
m2="${M2_REPO:-$HOME/.m2/repository}"
lock=/tmp/unitune-mvn-install.lock

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "bundle: building kernels test classes and the shaded jar (offline)"
  (cd "$root" && mvn -q -o -pl kernels test-compile)
  (cd "$root" && flock "$lock" mvn -q -o -pl unitune-app -DskipTests package)
fi
jar="$root/unitune-app/target/unitune.jar"
[ -f "$jar" ] || { echo "bundle: missing $jar (build unitune-app first)" >&2; exit 1; }
[ -d "$root/kernels/target/test-classes/dev" ] || { echo "bundle: missing kernels/target/test-classes" >&2; exit 1; }

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
b="$stage/bundle"
mkdir -p "$b/test-lib" "$b/scripts"
echo "bundle: jlink"
jlink --add-modules java.base,java.desktop,jdk.incubator.vector,jdk.unsupported,java.logging,java.management \
  --strip-debug --no-man-pages --no-header-files --compress=2 --output "$b/jre"
cp "$jar" "$b/unitune.jar"
cp -r "$root/kernels/target/test-classes" "$b/test-classes"
for j in org/junit/jupiter/junit-jupiter-api/5.14.4/junit-jupiter-api-5.14.4.jar \
         org/junit/jupiter/junit-jupiter-engine/5.14.4/junit-jupiter-engine-5.14.4.jar \
         org/junit/platform/junit-platform-commons/1.14.4/junit-platform-commons-1.14.4.jar \
         org/junit/platform/junit-platform-engine/1.14.4/junit-platform-engine-1.14.4.jar \
         org/junit/platform/junit-platform-launcher/1.14.4/junit-platform-launcher-1.14.4.jar \
         org/opentest4j/opentest4j/1.3.0/opentest4j-1.3.0.jar \
         org/apiguardian/apiguardian-api/1.1.2/apiguardian-api-1.1.2.jar; do
  [ -f "$m2/$j" ] || { echo "bundle: missing $m2/$j" >&2; exit 1; }
  cp "$m2/$j" "$b/test-lib/"
done
# cross-module device tests, when the tests module has compiled them
if [ -d "$root/tests/target/test-classes/dev/unitune/tests/device" ]; then
  mkdir -p "$b/test-classes/dev/unitune/tests"
  cp -r "$root/tests/target/test-classes/dev/unitune/tests/device" "$b/test-classes/dev/unitune/tests/"
fi
cp "$root/scripts/device-check.sh" "$root/scripts/gpu-peers.py" "$b/scripts/"
(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown) > "$b/COMMIT"
mkdir -p "$(dirname "$out")"
tar czf "$out.tmp" -C "$stage" bundle
mv "$out.tmp" "$out"
echo "bundle: $out ($(du -h "$out" | cut -f1); jre $(du -sh "$b/jre" | cut -f1) unpacked)"
