#!/usr/bin/env bash
# Leave one family out, recalibrated from scratch: for each attack family, a copy of the bundle whose model.onnx IS
# the head variant trained without that family (heads/leave-out-FAMILY.onnx: same classifier, other head), calibrated
# by `./monitor calibrate` with its defaults (so no threshold, scale, tail or consensus setting ever saw the full
# head), then measured by `./monitor evaluate` on the committed fixtures. `./monitor evaluate`'s own leave-out table
# swaps the variant in for the head but keeps the rest of the bundle's calibration, which the full head took part in;
# this checks that shortcut. About 1 minute per family on 2 cores; needs the training images (dataset-fashion-mnist).
# Usage: models/recipe/lofo_recalibrated.sh OUT_DIR [FAMILY...]   (default: every family the bundle has a variant for)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bundle="$root/models/fashion-mnist-cnn"
out="${1:?usage: lofo_recalibrated.sh OUT_DIR [FAMILY...]}"
shift
families=("$@")
if [ ${#families[@]} -eq 0 ]; then
  mapfile -t families < <(ls "$bundle/heads" | sed -n 's/^leave-out-\(.*\)\.onnx$/\1/p')
fi
cd "$root"
for f in "${families[@]}"; do
  d="$out/$f"
  rm -rf "$d" && mkdir -p "$d"
  cp "$bundle/holdout.txt" "$d/"
  cp "$bundle/heads/leave-out-$f.onnx" "$d/model.onnx"
  # the manifest without the variants: nothing in this bundle learned from family $f
  python3 - "$bundle/manifest.json" "$d/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m.get('adversarial_head', {}).pop('leave_out', None)
m.get('adversarial_head', {}).pop('leave_out_commands', None)
json.dump(m, open(sys.argv[2], 'w'), indent=2)
PY
  ./monitor calibrate --model "$d" > "$d/calibrate.log" 2>&1
  ./monitor evaluate --model "$d" --corruptions none models/fixtures > "$d/evaluate.log" 2>&1
  # the held-out family's kinds, pooled (rows of the kinds table: | kind | family | n | detected | ...)
  python3 - "$f" "$d/evaluate.log" <<'PY'
import sys
fam, log = sys.argv[1], sys.argv[2]
n = det = 0
kinds, clean = [], '?'
for line in open(log):
    c = [x.strip() for x in line.strip().strip('|').split('|')]
    if line.startswith('| ') and len(c) > 3 and c[1] == fam:
        k, r = int(c[2]), float(c[3].rstrip('%')) / 100
        n, det = n + k, det + round(k * r)
        kinds.append(c[0] + ' ' + c[3])
    if line.startswith('| **clean test frames**'):
        clean = c[2]
print('| %s | %s | %.1f%% | %d | %s |' % (fam, ', '.join(kinds), 100 * det / n, n, clean))
PY
done
