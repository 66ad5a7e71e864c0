#!/usr/bin/env bash
# Installs everything a fresh Debian 12 machine needs to build and test mmlu_eval:
# Debian packages (compilers, Open MPI, HDF5, Boost, GoogleTest, tokenizer libraries)
# and a git-ignored virtual environment in .venv with torch (libtorch for CMake)
# and the Hugging Face packages the fixture generators use.
# Idempotent: a rerun with nothing to do returns in seconds.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

apt_packages=(
  build-essential cmake git pkg-config python3 python3-venv clang
  openmpi-bin libopenmpi-dev
  libhdf5-dev hdf5-tools
  libboost-program-options-dev
  libgtest-dev
  libsentencepiece-dev libpcre2-dev libutf8proc-dev nlohmann-json3-dev libyaml-cpp-dev
  slurm-wlm munge
)

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The venv is keyed on the requirements file: a changed pin rebuilds what changed.
venv=.venv
stamp=$venv/.requirements.sha256
want=$(sha256sum scripts/requirements.txt | cut -d' ' -f1)
if [ ! -x $venv/bin/python ] || [ "$(cat $stamp 2>/dev/null)" != "$want" ]; then
  echo "setup: preparing Python environment in $venv"
  [ -x $venv/bin/python ] || python3 -m venv $venv
  $venv/bin/python -m pip install -q --upgrade pip
  $venv/bin/python -m pip install -q -r scripts/requirements.txt
  echo "$want" >$stamp
fi
