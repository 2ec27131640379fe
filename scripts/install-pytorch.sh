#!/bin/sh
# Installs the PyTorch the benchmark compares against (Debian's CPU build, 1.13) and the OpenMP
# build of OpenBLAS next to the pthread one, so `npm run bench` can time PyTorch with each.
# Needs root (apt). The benchmark runs without it and then reports PyTorch as not measured.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends python3-torch libopenblas0-openmp libopenblas0-pthread
/usr/bin/python3 -c 'import torch; print("torch", torch.__version__, "installed")'
