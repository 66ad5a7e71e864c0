#!/usr/bin/env bash
# Gathers every non-torch dependency of mmlu_eval (Open MPI, HDF5, Boost.Program_options,
# GoogleTest, nlohmann-json, sentencepiece, PCRE2, utf8proc, yaml-cpp: headers, CMake files,
# tools, shared libraries) from this machine's installed Debian packages, and Arrow's parquet
# library from the venv's pyarrow wheel, into one relocatable folder, for GPU nodes that have no
# package access. Build and check against it with scripts/gpu_check.sh.
#
# Usage: scripts/offline_bundle.sh [OUT_DIR]        (default: build/offline-bundle)
#
# OUT_DIR keeps the packages' own layout (OUT_DIR/usr/include, OUT_DIR/usr/lib/x86_64-linux-gnu,
# OUT_DIR/usr/bin/mpirun, OUT_DIR/etc/openmpi, ...); `source OUT_DIR/env.sh` (bash) puts it to use
# wherever the folder has been moved or unpacked. OUT_DIR/MANIFEST.txt lists what is inside.
# Needs the packages installed (scripts/setup.sh does that) and nothing from the network.
# Idempotent: OUT_DIR is rebuilt only when this script, the installed packages or pyarrow changed.
set -euo pipefail
export LC_ALL=C # sort orders and tool messages must not depend on the caller's locale
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

case "${1:-}" in -h | --help)
  sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 0
  ;;
esac
out=${1:-$repo/build/offline-bundle}
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")

die() { echo "offline_bundle: $*" >&2; exit 1; }
command -v dpkg-query >/dev/null || die "needs a Debian-family system (dpkg-query not found)"
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)

# What the build links or runs, named by the -dev packages (and tools) that own it; their runtime
# libraries (libopenmpi3, libhdf5-103-1, libboost-program-options1.74.0, libsentencepiece0,
# libpcre2-8-0, ...) and the -dev packages they need (libboost1.74-dev for the headers, libcurl and
# libssl -dev for the -lcurl -lcrypto that h5cc reports) come in through the dependency walk below,
# so the list holds no version numbers and works on other Debian and Ubuntu releases.
# hdf5-helpers (h5cc, which CMake's FindHDF5 interrogates), hdf5-tools (h5dump for results files)
# and the Open MPI programs are named because the walk only follows library packages.
seeds=(
  libopenmpi-dev openmpi-bin openmpi-common
  libhdf5-dev hdf5-helpers hdf5-tools
  libboost-program-options-dev
  libgtest-dev googletest
  nlohmann-json3-dev
  libsentencepiece-dev
  libpcre2-dev
  libutf8proc-dev
  libyaml-cpp-dev
)

# Never bundled: the C library and the compiler's runtime and headers. Every glibc Linux that can
# build C++ has its own, and a second copy on LD_LIBRARY_PATH would break the host's compiler and
# programs (a libc must match its dynamic loader; libstdc++ must be the compiler's or newer).
# MANIFEST.txt records the glibc and libstdc++ symbol versions the bundled libraries need instead.
host_pkgs=" libc6 libc6-dev libc-dev-bin libcrypt1 libcrypt-dev libnsl2 libnsl-dev libtirpc3
  libtirpc-dev libtirpc-common linux-libc-dev libgcc-s1 libstdc++6 "
is_host_pkg() {
  case "$1" in gcc-*-base | libgcc-*-dev | libstdc++-*-dev) return 0 ;; esac
  [[ $host_pkgs == *[[:space:]]"$1"[[:space:]]* ]]
}

missing=()
for p in "${seeds[@]}"; do
  dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing+=("$p")
done
((${#missing[@]} == 0)) || die "not installed: ${missing[*]} (run scripts/setup.sh first)"

# One query for all installed packages: status, section, provides and dependencies.
# Fields are split on ASCII unit separators: tabs would merge the empty ones.
declare -A installed section provider depends
while IFS=$'\x1f' read -r st pkg sec prov dep pre; do
  [[ $st == ii* ]] || continue
  installed[$pkg]=1
  section[$pkg]=$sec
  depends[$pkg]="$dep, $pre"
  IFS=',' read -ra vs <<<"$prov"
  for v in "${vs[@]}"; do
    v=${v%%(*} v=${v//[[:space:]]/}
    [[ -n $v && -z ${provider[$v]:-} ]] && provider[$v]=$pkg
  done
done < <(dpkg-query -W -f=$'${db:Status-Abbrev}\x1f${Package}\x1f${Section}\x1f${Provides}\x1f${Depends}\x1f${Pre-Depends}\n' | sort)

# The package walk follows Depends/Pre-Depends into library packages only (Debian sections libs
# and libdevel): the rest of what apt would pull in is tooling for maintainer scripts (adduser,
# passwd, debconf), compilers (gfortran-12) or the host's own business (openssh-client: mpirun
# must use the node's ssh). Shared libraries those skipped packages would have brought are
# caught by the ldd pass further down.
declare -A chosen why
queue=("${seeds[@]}")
for p in "${seeds[@]}"; do why[$p]=seed; done
while ((${#queue[@]})); do
  p=${queue[0]}
  queue=("${queue[@]:1}")
  [[ -n ${chosen[$p]:-} ]] && continue
  chosen[$p]=1
  IFS=',' read -ra clauses <<<"${depends[$p]}"
  for clause in "${clauses[@]}"; do
    pick=
    IFS='|' read -ra alts <<<"$clause"
    for a in "${alts[@]}"; do # the first alternative that is installed, as apt would keep it
      a=${a%%(*} a=${a%%:*} a=${a//[[:space:]]/}
      [[ -z $a ]] && continue
      if [[ -n ${installed[$a]:-} ]]; then pick=$a; break; fi
      if [[ -n ${provider[$a]:-} ]]; then pick=${provider[$a]}; break; fi
    done
    [[ -z $pick || -n ${chosen[$pick]:-} ]] && continue
    is_host_pkg "$pick" && continue
    case "${section[$pick]}" in libs | libdevel) ;; *) continue ;; esac
    [[ -z ${why[$pick]:-} ]] && why[$pick]="depends ($p)"
    queue+=("$pick")
  done
done

# Arrow's parquet library comes from a pip wheel (pyarrow), not a Debian package: its headers and
# the two libraries the build links are copied from the project's venv into usr/lib/pyarrow,
# where cmake/ParserDependencies.cmake looks first.
pyarrow_python=$repo/.venv/bin/python
pyarrow_dir=$("$pyarrow_python" -c \
  "import importlib.util as u; print(u.find_spec('pyarrow').submodule_search_locations[0])" \
  2>/dev/null) || die "pyarrow is not installed in .venv (run scripts/setup.sh first)"
pyarrow_version=$("$pyarrow_python" -c "import importlib.metadata as m; print(m.version('pyarrow'))")

# Rebuilt only when this script, anything installed or pyarrow changed: the ldd pass below can
# reach any installed package, so the key covers them all.
key=$( {
  sha256sum <"${BASH_SOURCE[0]}"
  dpkg-query -W -f='${Package}:${Architecture}=${Version} ${db:Status-Abbrev}\n' | sort
  echo "pyarrow $pyarrow_version"
} | sha256sum | cut -d' ' -f1)
summary() {
  local npkg nfiles size
  npkg=$(grep -c '^pkg ' "$out/MANIFEST.txt")
  nfiles=$(find "$out" ! -type d | wc -l)
  size=$(du -sh "$out" | cut -f1)
  echo "offline_bundle: $1 $out: $npkg packages, $nfiles files, $size" \
    "($(grep '^requires:' "$out/MANIFEST.txt" | cut -d' ' -f2-))"
}
if [[ -f $out/MANIFEST.txt ]] && grep -qx "key: $key" "$out/MANIFEST.txt"; then
  summary "up to date:"
  exit 0
fi
# Only ever replace a folder this script made (or an empty one): OUT_DIR is removed as a whole.
if [[ -e $out ]] && ! head -1 "$out/MANIFEST.txt" 2>/dev/null | grep -q '^# mmlu_eval offline bundle' &&
  [[ -n $(ls -A "$out" 2>/dev/null) ]]; then
  die "$out exists and is not a bundle made by this script; choose another OUT_DIR"
fi

stage=$out.tmp.$$
trap 'rm -rf "$stage" "$stage.list"' EXIT
rm -rf "$stage"
mkdir -p "$stage"

# Debian 12 still records some files under /lib and /bin, which a merged-/usr system aliases to
# /usr; the bundle keeps one tree, /usr, so one LD_LIBRARY_PATH entry covers every library.
to_usr() {
  case "$1" in
  /lib/* | /lib64/* | /bin/* | /sbin/*) echo "/usr$1" ;;
  *) echo "$1" ;;
  esac
}

copy_package() { # copy_package PKG: every file and link the package installed (not its dirs)
  dpkg-query -L "$1" | grep '^/' | while IFS= read -r f; do
    # Directories come from their files; paths the image excluded (docs) are skipped, and so
    # are the merged-/usr links (/lib -> usr/lib) that dpkg lists as directories.
    case "$f" in /bin | /sbin | /lib | /lib32 | /lib64 | /libx32) continue ;; esac
    if [[ -L $f || (-e $f && ! -d $f) ]]; then printf '%s\n' "${f#/}"; fi
  done >"$stage.list"
  # S: leave link targets alone; absolute ones are made relative once everything is in.
  tar -C / --no-recursion -cf - -T "$stage.list" |
    tar -C "$stage" --transform='s,^\(lib\|lib64\|bin\|sbin\)/,usr/\1/,S' -xf -
  rm -f "$stage.list"
}

for p in $(printf '%s\n' "${!chosen[@]}" | sort); do copy_package "$p"; done
mkdir -p "$stage/usr/lib/pyarrow"
cp -a "$pyarrow_dir/include" "$stage/usr/lib/pyarrow/"
cp -a "$pyarrow_dir"/libarrow.so.* "$pyarrow_dir"/libparquet.so.* "$stage/usr/lib/pyarrow/"

libdir=$stage/usr/lib/$multiarch
owner_of() { # owner_of PATH: the installed package that owns PATH (or its /usr alias), or nothing
  local p alias
  for p in "$1" "$(realpath -m "$1")"; do
    alias=$p
    case "$p" in /usr/lib/* | /usr/bin/* | /usr/sbin/*) alias=${p#/usr} ;; /lib/* | /bin/* | /sbin/*) alias=/usr$p ;; esac
    for q in "$p" "$alias"; do
      dpkg-query -S "$q" 2>/dev/null | grep -v '^diversion' | head -1 | cut -d: -f1 | cut -d, -f1 &&
        return 0
    done
  done
  return 0
}

# The shared-library closure, from what the copied files actually need: ldd every ELF file with
# the bundle first on the library path, and bring in the package owning each library that still
# resolves outside the bundle, until nothing new appears. Open MPI's and hwloc's plugins are
# ELF files here too, so their libraries (UCX, libfabric, libxml2, ...) come along.
declare -A host_libs not_found unowned ldd_done owner_cache
elf_files() { # every ELF file in the stage, in a stable order
  find "$stage/usr" "$stage/etc" -type f \( -name '*.so' -o -name '*.so.*' -o -perm -u+x \) 2>/dev/null |
    sort | while IFS= read -r f; do
    [[ $(head -c 4 "$f" | od -An -c | tr -d ' ') == 177ELF ]] && printf '%s\n' "$f"
  done
}
while :; do
  new=()
  while IFS= read -r f; do
    # A file's outside libraries are settled once: later rounds only add what it lacked.
    [[ -n ${ldd_done[$f]:-} ]] && continue
    ldd_done[$f]=1
    while read -r name arrow path _; do
      [[ $arrow == "=>" ]] || continue
      if [[ $path == not ]]; then not_found[$name]+=" ${f#"$stage"}"; continue; fi
      [[ $path == "$stage"/* ]] && continue
      [[ -n ${owner_cache[$path]+x} ]] || owner_cache[$path]=$(owner_of "$path")
      pkg=${owner_cache[$path]%%:*}
      if [[ -z $pkg ]]; then unowned[$path]=1; continue; fi
      if is_host_pkg "$pkg"; then host_libs[$path]=$pkg; continue; fi
      if [[ -z ${chosen[$pkg]:-} ]]; then
        chosen[$pkg]=1 why[$pkg]="ldd (${path##*/})"
        new+=("$pkg")
      fi
    done < <(LD_LIBRARY_PATH=$libdir ldd "$f" 2>/dev/null || true)
  done < <(elf_files)
  ((${#new[@]})) || break
  for p in "${new[@]}"; do copy_package "$p"; done
done

# update-alternatives links (mpirun, mpicc, mpiexec, the libmpi.so and mpi include links, hdf5.pc)
# are made by maintainer scripts, not listed by dpkg: recreate those whose current choice is in
# the bundle, as relative links.
relink() { # relink LINK TARGET (absolute paths as on this system)
  local l t
  l=$stage$(to_usr "$1") t=$stage$(to_usr "$2")
  [[ -e $t || -L $t ]] || return 0
  mkdir -p "$(dirname "$l")"
  ln -sfn "$(realpath -s -m --relative-to="$(dirname "$l")" "$t")" "$l"
}
while read -r name _; do
  q=$(update-alternatives --query "$name" 2>/dev/null) || continue
  link=$(sed -n 's/^Link: //p' <<<"$q")
  value=$(sed -n 's/^Value: //p' <<<"$q")
  [[ -n $value && $value != none ]] || continue
  relink "$link" "$value"
  # Slave links: their names and paths in the header, their targets in the chosen alternative.
  declare -A slave_link=()
  while read -r sname spath; do slave_link[$sname]=$spath; done < <(
    awk '/^Slaves:/{s=1;next} /^[A-Z]/{s=0} s && NF==2{print $1, $2} /^$/{exit}' <<<"$q")
  while read -r sname starget; do
    [[ -n ${slave_link[$sname]:-} ]] && relink "${slave_link[$sname]}" "$starget"
  done < <(awk -v v="$value" '$0=="Alternative: " v{a=1;next} /^Alternative:/{a=0}
    a && /^Slaves:/{s=1;next} a && /^[A-Z]/{s=0} a && s && NF==2{print $1, $2}' <<<"$q")
  unset slave_link
done < <(update-alternatives --get-selections | sort)

# Absolute links (a few -dev .so links, links into /etc/alternatives) would point back into this
# machine once the folder moves: make them relative when their target is bundled, keep a list of
# the rest (documentation links into common-licenses and the like) in MANIFEST.txt.
host_links=()
while IFS= read -r l; do
  t=$(readlink "$l")
  [[ $t == /* ]] || continue
  [[ $t == /etc/alternatives/* ]] && t=$(readlink -f "$t")
  t=$(to_usr "$t")
  if [[ -e $stage$t || -L $stage$t ]]; then
    ln -sfn "$(realpath -s -m --relative-to="$(dirname "$l")" "$stage$t")" "$l"
  else
    host_links+=("${l#"$stage"} -> $t")
  fi
done < <(find "$stage" -type l | sort)

# h5cc has its install prefix written in; the bundled copy derives it from where it lies, so
# FindHDF5's interrogation reports bundle paths wherever the folder is.
# shellcheck disable=SC2016 # the $(...) is text written into h5cc, for h5cc to expand
if [[ -f $stage/usr/bin/h5cc ]]; then
  sed -i 's|^prefix="/usr"$|prefix="$(cd "$(dirname "$0")/.." \&\& pwd)"|' "$stage/usr/bin/h5cc"
  grep -qF 'prefix="$(cd' "$stage/usr/bin/h5cc" || die "h5cc: prefix line not found, cannot relocate it"
fi

# The newest glibc / libstdc++ symbol versions any bundled file needs: the node must have these.
max_version() { # max_version PREFIX: highest PREFIXx.y.z named in the bundle's version needs
  # readelf's status is ignored: it complains about odd files (debug links) yet lists the rest.
  { elf_files | xargs -r readelf -V --wide 2>/dev/null || true; } | grep -o "Name: $1[0-9.]*" |
    sed "s/Name: $1//" | sort -uV | tail -1
}
need_glibc=$(max_version GLIBC_)
need_glibcxx=$(max_version GLIBCXX_)

cat >"$stage/env.sh" <<'EOF'
# Source from bash: `source /path/to/bundle/env.sh`. Puts this bundle (made by
# scripts/offline_bundle.sh) first for programs, the dynamic loader, CMake and the compiler.
# Paths are derived from where this file lies, so the folder can be moved or unpacked anywhere.
_mmlu_bundle=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
_mmlu_prepend() { # _mmlu_prepend VAR DIR: DIR first in VAR, once, however often this is sourced
  local cur=":${!1:-}:"
  cur=${cur//:$2:/:}
  cur=${cur#:}
  cur=${cur%:}
  export "$1=$2${cur:+:$cur}"
}
_mmlu_lib=$_mmlu_bundle/usr/lib/@MULTIARCH@
_mmlu_prepend PATH "$_mmlu_bundle/usr/bin"
_mmlu_prepend LD_LIBRARY_PATH "$_mmlu_lib"
_mmlu_prepend LIBRARY_PATH "$_mmlu_lib"
_mmlu_prepend CPATH "$_mmlu_bundle/usr/include"
_mmlu_prepend CMAKE_PREFIX_PATH "$_mmlu_bundle/usr"
# Open MPI was configured for /usr; OPAL_PREFIX re-roots its binaries, libraries, plugins, help
# files and wrapper data (all defined relative to the prefix). Its configuration directory
# (/etc/openmpi: which transports to skip) is absolute and needs its own variable, as do the
# external PMIx (whose prefix alone does not move its help files and plugins when Open MPI
# starts it) and hwloc's plugins.
export OPAL_PREFIX=$_mmlu_bundle/usr
export OPAL_SYSCONFDIR=$_mmlu_bundle/etc/openmpi
export PMIX_PREFIX=$_mmlu_lib/pmix2
export PMIX_PKGDATADIR=$PMIX_PREFIX/share/pmix
export PMIX_PKGLIBDIR=$PMIX_PREFIX/lib/pmix
export HWLOC_PLUGINS_PATH=$_mmlu_lib/hwloc
export MMLU_OFFLINE_BUNDLE=$_mmlu_bundle
unset -f _mmlu_prepend
unset _mmlu_bundle _mmlu_lib
EOF
sed -i "s|@MULTIARCH@|$multiarch|" "$stage/env.sh"

{
  echo "# mmlu_eval offline bundle, made by scripts/offline_bundle.sh; use: source env.sh"
  echo "key: $key"
  echo "from: $(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release) $(dpkg --print-architecture)"
  echo "requires: glibc >= ${need_glibc:-?}, libstdc++ with GLIBCXX_${need_glibcxx:-?}"
  echo "multiarch: $multiarch"
  echo "pyarrow: $pyarrow_version (usr/lib/pyarrow: headers, libarrow, libparquet from the venv)"
  echo "not bundled (the node's own): $(xargs <<<"$host_pkgs") gcc-*-base libgcc-*-dev libstdc++-*-dev"
  echo
  echo "# pkg NAME VERSION ARCH WHY"
  for p in $(printf '%s\n' "${!chosen[@]}" | sort); do
    echo "pkg $p $(dpkg-query -W -f='${Version} ${Architecture}' "$p") ${why[$p]}"
  done
  echo
  echo "# libraries resolved from the node itself (not bundled, see above)"
  for l in $(printf '%s\n' "${!host_libs[@]}" | sort); do echo "host-lib $l ${host_libs[$l]}"; done
  echo
  echo "# libraries no bundled file could find here (optional plugins' dependencies)"
  for n in $(printf '%s\n' "${!not_found[@]}" | sort); do echo "not-found $n:${not_found[$n]}"; done
  for l in $(printf '%s\n' "${!unowned[@]}" | sort); do echo "unowned $l"; done
  echo
  echo "# absolute links whose target is not bundled (left as they were)"
  for l in "${host_links[@]}"; do echo "host-link $l"; done
  echo
  echo "# changed from the packages' files"
  if [[ -f $stage/usr/bin/h5cc ]]; then echo "patched usr/bin/h5cc: prefix derived from its location"; fi
} >"$stage/MANIFEST.txt"

rm -rf "$out"
mv "$stage" "$out"
trap - EXIT
summary "wrote"
