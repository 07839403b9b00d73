#!/usr/bin/env bash
# Times opening/indexing a large safetensors file and materialising every tensor as F32 with
# weights-tools, next to `dd` reading the same file in the same run (the disk / page-cache peer).
#
#   weights-tools/scripts/bench-safetensors.sh SIZE_GB DIR [REPEATS]
#
# Generates DIR/bench-SIZE_GB.safetensors (random F32, SD-like shapes) unless it already exists. DIR must
# be outside the repository: never put a multi-GB file in the tree. Needs `mvn -o -pl weights-tools
# install` done (uses target/classes and the module's dependencies). Do not run at full size while other
# people are using the machine: it reads SIZE_GB several times and needs about 2 x the largest tensor of heap.
set -euo pipefail

if [ $# -lt 2 ]; then echo "usage: $0 SIZE_GB DIR [REPEATS]" >&2; exit 2; fi
SIZE_GB=$1; DIR=$2; REPEATS=${3:-3}
HERE=$(cd "$(dirname "$0")/.." && pwd)
ROOT=$(cd "$HERE/.." && pwd)
mkdir -p "$DIR"
DIR_ABS=$(cd "$DIR" && pwd)
case "$DIR_ABS/" in "$ROOT"/*) echo "DIR $DIR_ABS is inside the repository $ROOT: pick a folder outside it" >&2; exit 2;; esac

# Classpath from the local Maven repository (the dependency/exec plugins are not available offline here):
# this module's classes, the tensor module, and Jackson at the version the parent pom names.
REPO=${M2_REPO:-$HOME/.m2/repository}
JV=$(sed -n 's:.*<jackson.version>\(.*\)</jackson.version>.*:\1:p' "$ROOT/pom.xml")
JA=$JV; [ -f "$REPO/com/fasterxml/jackson/core/jackson-annotations/$JA/jackson-annotations-$JA.jar" ] || JA=${JV%.*}
TENSOR="$ROOT/tensor/target/classes"; [ -d "$TENSOR" ] || TENSOR="$REPO/dev/unitune/tensor/0.1.0-SNAPSHOT/tensor-0.1.0-SNAPSHOT.jar"
[ -d "$HERE/target/classes/dev" ] || (cd "$ROOT" && mvn -q -o -pl weights-tools compile)
CP="$HERE/target/classes:$TENSOR"
for a in databind:$JV core:$JV annotations:$JA; do
  CP="$CP:$REPO/com/fasterxml/jackson/core/jackson-${a%%:*}/${a#*:}/jackson-${a%%:*}-${a#*:}.jar"
done
JAVA=(java -Xmx8g --add-modules jdk.incubator.vector -cp "$CP" dev.unitune.weights.tools.SafetensorsBench)

FILE="$DIR_ABS/bench-$SIZE_GB.safetensors"
[ -f "$FILE" ] || "${JAVA[@]}" generate "$FILE" "$SIZE_GB"
ls -l "$FILE"
echo "machine: $(nproc) cores, $(grep MemTotal /proc/meminfo | awk '{print $2/1048576 " GiB"}') RAM; $(java -version 2>&1 | head -1)"
for i in $(seq 1 "$REPEATS"); do
  echo "dd run $i: $(dd if="$FILE" of=/dev/null bs=16M 2>&1 | tail -1)"
  "${JAVA[@]}" read "$FILE" 2   # run 1 includes JVM start-up and class loading (Jackson), run 2 is warm
done
