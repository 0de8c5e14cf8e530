#!/usr/bin/python3
"""Write the evaluation image sets as 8-bit grayscale PNGs with a labels.csv each.

    /usr/bin/python3 models/recipe/make_eval_sets.py [--out models/eval]

  <out>/fashion-mnist-test/          test-00000.png .. test-01999.png: the FIRST 2,000 images of the
                                     Fashion-MNIST test split, in order; labels.csv: file,label,label_name
  <out>/fashion-mnist-train-sample/  train-00000.png .. train-00999.png: 1,000 training-split images,
                                     a seeded random sample (numpy default_rng(42).choice(60000, 1000,
                                     replace=False), sorted ascending); labels.csv: file,label,label_name,index
                                     (index = position in the training split, 0-based)
"""
import argparse
import csv
import os
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train import DATA_DIR, LABELS, load_split  # noqa: E402

TEST_COUNT = 2000
TRAIN_SAMPLE = 1000
SAMPLE_SEED = 42


def write_set(folder, prefix, images, labels, indices=None):
    os.makedirs(folder, exist_ok=True)
    header = ["file", "label", "label_name"] + (["index"] if indices is not None else [])
    with open(os.path.join(folder, "labels.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for i, (img, lab) in enumerate(zip(images, labels)):
            name = f"{prefix}-{i:05d}.png"
            Image.fromarray(img, mode="L").save(os.path.join(folder, name), optimize=True)
            row = [name, int(lab), LABELS[lab]] + ([int(indices[i])] if indices is not None else [])
            w.writerow(row)
    print(f"wrote {len(images)} PNGs + labels.csv to {folder}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="models/eval")
    ap.add_argument("--data-dir", default=DATA_DIR)
    args = ap.parse_args()
    xte, yte = load_split(args.data_dir, "test")
    write_set(os.path.join(args.out, "fashion-mnist-test"), "test", xte[:TEST_COUNT], yte[:TEST_COUNT])
    xtr, ytr = load_split(args.data_dir, "train")
    idx = np.sort(np.random.default_rng(SAMPLE_SEED).choice(len(xtr), TRAIN_SAMPLE, replace=False))
    write_set(os.path.join(args.out, "fashion-mnist-train-sample"), "train", xtr[idx], ytr[idx], idx)


if __name__ == "__main__":
    main()
