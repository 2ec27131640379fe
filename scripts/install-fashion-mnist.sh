#!/bin/sh
# Installs Fashion-MNIST (Debian package dataset-fashion-mnist) into /usr/share/datasets/fashion-mnist,
# where loadFashionMnist() looks for it. Does nothing when the four files are already there.
set -eu
DIR=/usr/share/datasets/fashion-mnist
FILES="train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz"

missing=""
for f in $FILES; do
  [ -f "$DIR/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then
  echo "Fashion-MNIST is already installed in $DIR"
  exit 0
fi

echo "Missing in $DIR:$missing; installing the Debian package dataset-fashion-mnist"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q dataset-fashion-mnist

for f in $FILES; do
  if [ ! -f "$DIR/$f" ]; then
    echo "error: $DIR/$f is still missing after installing dataset-fashion-mnist" >&2
    exit 1
  fi
done
echo "Fashion-MNIST installed in $DIR"
