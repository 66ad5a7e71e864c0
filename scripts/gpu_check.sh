#!/usr/bin/env bash
# Checks mmlu_eval on a GPU node without package access: builds it against an offline bundle
# (scripts/offline_bundle.sh) and the node's own CUDA-enabled torch, runs the tests that need
# CUDA (or, without CUDA, the rest), a smoke run under mpirun, and prints a summary.
# Needs no network. Exits non-zero if any step failed. Works on CPU-only machines too (cuda: no).
#
# Usage: scripts/gpu_check.sh [--bundle DIR] [--torch-python PYTHON] [--build-dir DIR]
#                             [--only-cuda] [-- EXTRA CMAKE ARGS]
#   --bundle DIR          the bundle (default: build/offline-bundle)
#   --torch-python PY     a python that imports torch (default: python3 on PATH if it has torch,
#                         else the repo's .venv/bin/python)
#   --build-dir DIR       where to build (default: ${TMPDIR:-/tmp}/mmlu-gpu-check-build); never
#                         the repo's build/, which belongs to scripts/build.sh
#   --only-cuda           skip the tests that need no GPU (CI runs those): for short GPU leases
#   e.g. `-- -DMMLU_WITH_CUDA=ON` to insist on the CUDA code paths.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
started=$SECONDS

die() { echo "gpu_check: $*" >&2; exit 2; }
usage() { sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

bundle=$repo/build/offline-bundle
python=
build=${TMPDIR:-/tmp}/mmlu-gpu-check-build
cmake_extra=()
only_cuda=0
while (($#)); do
  case "$1" in
  --bundle) bundle=${2:?--bundle needs a directory}; shift 2 ;;
  --bundle=*) bundle=${1#*=}; shift ;;
  --torch-python) python=${2:?--torch-python needs a program}; shift 2 ;;
  --torch-python=*) python=${1#*=}; shift ;;
  --build-dir) build=${2:?--build-dir needs a directory}; shift 2 ;;
  --build-dir=*) build=${1#*=}; shift ;;
  --only-cuda) only_cuda=1; shift ;;
  -h | --help) usage; exit 0 ;;
  --) shift; cmake_extra=("$@"); break ;;
  *) usage >&2; die "unknown argument: $1" ;;
  esac
done

[[ -f $bundle/env.sh && -f $bundle/MANIFEST.txt ]] ||
  die "$bundle is not a bundle (make one with scripts/offline_bundle.sh)"
bundle=$(cd "$bundle" && pwd)
build=$(realpath -m "$build")
# --fresh below rewrites the build folder's cache: never point it at scripts/build.sh's tree.
[[ $build != "$(realpath -m "$repo/build")" ]] || die "--build-dir must not be $repo/build"
mkdir -p "$build"
logs=$build/gpu-check-logs
rm -rf "$logs"
mkdir -p "$logs"

declare -A result
fail=0
step() { echo; echo "== $*"; }
bad() { echo "gpu_check: FAILED: $*" >&2; fail=1; }
show_log() { echo "--- last lines of $1:"; tail -n "${2:-40}" "$1"; }

# The bundle's libraries were built against this glibc; an older one fails at load time with
# "version GLIBC_2.xx not found", so say it plainly before spending minutes on a build.
step "bundle $bundle"
sed -n '3,4p' "$bundle/MANIFEST.txt"
need_glibc=$(sed -n 's/^requires: glibc >= \([0-9.]*\).*/\1/p' "$bundle/MANIFEST.txt")
have_glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
echo "node glibc: ${have_glibc:-unknown}"
if [[ -n $need_glibc && -n $have_glibc ]] &&
  [[ $(printf '%s\n%s\n' "$need_glibc" "$have_glibc" | sort -V | head -1) != "$need_glibc" ]]; then
  die "the bundle needs glibc >= $need_glibc, this node has $have_glibc: make the bundle on an older distribution"
fi

# torch is asked before the bundle's environment is in place, so its own libraries (and the
# python's) load exactly as they do for users of this torch.
step "torch"
if [[ -z $python ]]; then
  for c in "$(command -v python3 || true)" "$repo/.venv/bin/python"; do
    if [[ -n $c && -x $c ]] && "$c" -c 'import torch' 2>/dev/null; then python=$c; break; fi
  done
  [[ -n $python ]] || die "no python with torch found: pass --torch-python"
fi
torch_info=$("$python" - <<'EOF'
import torch, torch.utils
print("prefix", torch.utils.cmake_prefix_path)
print("version", torch.__version__)
print("cuda_build", torch.version.cuda or "none")
usable, devices, why = False, [], ""
if torch.cuda.is_available():
    try:
        # is_available() only asks the driver; a kernel launch proves this torch's kernels
        # (compiled for some GPU architectures) run on this card.
        devices = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        usable = int((torch.ones(4, device="cuda") * 2).sum().item()) == 8
    except Exception as e:  # report, don't crash: the summary says why CUDA is unusable
        why = f"{type(e).__name__}: {e}".splitlines()[0]
print("cuda", "yes" if usable else "no")
print("devices", len(devices))
for i, name in enumerate(devices):
    print("device", i, name)
print("why", why)
EOF
) || die "$python could not report on torch"
field() { sed -n "s/^$1 //p" <<<"$torch_info"; }
torch_prefix=$(field prefix)
cuda=$(field cuda)
ndev=$(field devices)
echo "python: $python"
echo "torch $(field version) (CUDA build: $(field cuda_build)), CMake prefix $torch_prefix"
echo "CUDA usable: $cuda, devices: $ndev"
grep '^device ' <<<"$torch_info" | sed 's/^device /  cuda:/' || true
[[ -n $(field why) ]] && echo "  CUDA error: $(field why)"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=index,name,driver_version,memory.total --format=csv,noheader 2>&1 |
    sed 's/^/  nvidia-smi: /' || true
else
  echo "  nvidia-smi: not on PATH"
fi
devices_summary="$cuda"
if [[ $cuda == yes ]]; then
  devices_summary="yes ($ndev: $(grep '^device ' <<<"$torch_info" | cut -d' ' -f3- | sort | uniq -c |
    awk '{n=$1; $1=""; printf "%s%dx%s", sep, n, $0; sep=", "}'))"
fi

# shellcheck source=/dev/null
source "$bundle/env.sh"
multiarch=$(sed -n 's/^multiarch: //p' "$bundle/MANIFEST.txt")
blib=$bundle/usr/lib/$multiarch

# CMAKE_IGNORE_PREFIX_PATH drops the system's prefixes ("/" too: with a merged /usr, /lib is
# /usr/lib) from every find_package and find_* search, so a package missing from the bundle fails
# here instead of quietly coming from the node. It cannot reach two paths: find_program also
# looks through $PATH, and FindMPI/FindHDF5 take library and include directories from what the
# mpicc and h5cc wrappers print, as hints the ignore list does not filter. So those wrappers and
# mpiexec are named explicitly from the bundle, and the cache is checked after configuring.
# A node whose CUDA toolkit lives in /usr (distribution packages, not /usr/local/cuda or a module)
# is hidden by the same list: pass `-- -DCMAKE_IGNORE_PREFIX_PATH=` there (a later -D wins).
# --fresh: a cache from an earlier bundle location or torch would otherwise keep its paths.
step "configure $build"
result[build]=no
if cmake --fresh -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_PREFIX_PATH=$bundle/usr;$torch_prefix" "-DCMAKE_IGNORE_PREFIX_PATH=/usr;/" \
  "-DTorch_DIR=$torch_prefix/Torch" \
  "-DMPI_C_COMPILER=$bundle/usr/bin/mpicc" "-DMPIEXEC_EXECUTABLE=$bundle/usr/bin/mpiexec" \
  "-DHDF5_C_COMPILER_EXECUTABLE=$bundle/usr/bin/h5cc" \
  "${cmake_extra[@]}" >"$logs/configure.log" 2>&1; then
  grep -E '^-- (mmlu_eval|Found (MPI|HDF5|Boost|GTest|nlohmann|Torch|CUDAToolkit))' \
    "$logs/configure.log" || true
  # Every dependency the bundle provides must have been found there.
  off_bundle=()
  for v in MPI_C_COMPILER MPIEXEC_EXECUTABLE MPI_C_HEADER_DIR MPI_mpi_LIBRARY \
    HDF5_C_COMPILER_EXECUTABLE HDF5_C_INCLUDE_DIR HDF5_C_LIBRARY_hdf5 Boost_DIR \
    boost_program_options_DIR GTest_DIR nlohmann_json_DIR yaml-cpp_DIR; do
    val=$(sed -n "s/^$v:[A-Z]*=//p" "$build/CMakeCache.txt")
    [[ -z $val ]] && continue
    [[ $val == "$bundle"/* ]] || off_bundle+=("$v=$val")
  done
  # Arrow's parquet library is found without a cache entry; the configure log names it.
  parquet=$(sed -n 's/^-- mmlu_eval: parquet from //p' "$logs/configure.log")
  [[ $parquet == "$bundle"/* ]] || off_bundle+=("parquet=${parquet:-not reported}")
  if ((${#off_bundle[@]})); then
    bad "configured against files outside the bundle: ${off_bundle[*]}"
  else
    echo "dependencies found in the bundle: MPI, HDF5, Boost, GTest, nlohmann_json, yaml-cpp, parquet"
  fi
  with_cuda=$(sed -n 's/^MMLU_WITH_CUDA:BOOL=//p' "$build/CMakeCache.txt")
  # MMLU_WITH_CUDA follows whether a CUDA toolkit was found; a GPU node without one would
  # quietly build (and check) the CPU-only variant.
  if [[ $cuda == yes && $with_cuda != ON ]]; then
    bad "CUDA is usable but MMLU_WITH_CUDA=$with_cuda: no CUDA toolkit found (load one, or pass -- -DCUDAToolkit_ROOT=DIR)"
  fi

  step "build ($(nproc) jobs)"
  if cmake --build "$build" -j "$(nproc)" >"$logs/build.log" 2>&1; then
    result[build]=yes
    echo "built $build/bin: $(cd "$build/bin" && echo *)"
  else
    show_log "$logs/build.log"
    bad "build"
  fi
else
  show_log "$logs/configure.log"
  bad "configure"
fi

# The built programs must load MPI, HDF5, Boost and what they pull in from the bundle: a library
# the bundle has but the loader takes from elsewhere would make this check meaningless.
result[ldd]=no
if [[ ${result[build]} == yes ]]; then
  step "libraries of $build/bin/mmlu_eval"
  ldd_out=$(ldd "$build/bin/mmlu_eval")
  site=$(cd "$torch_prefix/../../.." && pwd) # torch's site-packages: torch and its CUDA wheels
  ldd_bad=() from_site=0
  while read -r name arrow path _; do
    [[ $arrow == "=>" ]] || continue
    if [[ $path == not ]]; then ldd_bad+=("$name: not found"); continue; fi
    if [[ -e $blib/$name || -e $bundle/usr/lib/pyarrow/$name ]]; then
      where=bundle
      [[ $path == "$bundle"/* ]] || { where="OUTSIDE THE BUNDLE"; ldd_bad+=("$name: $path"); }
    elif [[ $path == "$site"/* ]]; then
      from_site=$((from_site + 1)) # torch and its CUDA libraries: the node's own, as intended
      continue
    else
      where=node
    fi
    printf '  %-34s %-8s %s\n' "$name" "$where" "$path"
  done <<<"$ldd_out"
  echo "  (and $from_site libraries of torch from $site)"
  if ((${#ldd_bad[@]})); then bad "libraries: ${ldd_bad[*]}"; else result[ldd]=yes; fi
fi

# ctest's summary line: "97% tests passed, 1 tests failed out of 57" (CMake 3), or with no
# failures "100% tests passed out of 2" (CMake 4 drops the ", 0 tests failed"). CTest counts a
# skipped test (exit 77: no GPU, too few GPUs) as passed; those listed under "The following tests
# did not run:" as "(Skipped)" are counted apart.
count_tests() { # count_tests LOG: prints "PASSED FAILED SKIPPED"
  local line total failed=0 skipped
  line=$(grep -E 'tests passed(, [0-9]+ tests failed)? out of [0-9]+' "$1" | tail -1 || true)
  [[ -n $line ]] || { echo "0 0 0"; return; }
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
  if [[ $line =~ ([0-9]+)\ tests\ failed ]]; then failed=${BASH_REMATCH[1]}; fi
  skipped=$(skipped_tests "$1" | grep -c . || true)
  echo "$((total - failed - skipped)) $failed $skipped"
}
skipped_tests() { # skipped_tests LOG: the names of the tests CTest skipped, one a line
  sed -n '/^The following tests did not run:/,/^$/p' "$1" |
    sed -nE 's/^[[:space:]]*[0-9]+ - (.*) \(Skipped\)$/\1/p'
}
passed=0 failed=0 skipped=0 cuda_tests=0
result[tests]="not run"
result[cuda_tests]="not run"
if [[ ${result[build]} == yes ]]; then
  export CTEST_OUTPUT_ON_FAILURE=1
  # Tests labelled cuda need a usable GPU; everything else runs on any node.
  cuda_tests=$(ctest --test-dir "$build" -N -L cuda | sed -n 's/^Total Tests: //p')
  if [[ $cuda == yes ]]; then
    step "tests labelled cuda ($cuda_tests)"
    if ((cuda_tests > 0)); then
      ctest --test-dir "$build" -L cuda -j "$(nproc)" --timeout 600 >"$logs/ctest-cuda.log" 2>&1 || true
      read -r p f s < <(count_tests "$logs/ctest-cuda.log")
      passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
      grep -E '^ *[0-9]+/[0-9]+ Test' "$logs/ctest-cuda.log" || true
      result[cuda_tests]="$p passed, $f failed, $s skipped"
      if ((s > 0)); then
        result[cuda_tests]+=" ($(skipped_tests "$logs/ctest-cuda.log" | paste -sd, -))"
      fi
      # NCCL between ranks needs a GPU per rank: on a one-GPU node it is not tested at all.
      if skipped_tests "$logs/ctest-cuda.log" | grep -q '^cuda\.llama_golden\.tp2$'; then
        result[cuda_tests]+="; tensor parallelism over NCCL (tp 2) was NOT run: it needs 2 GPUs, this node has $ndev"
      fi
      echo "cuda tests: ${result[cuda_tests]}"
    else
      result[cuda_tests]="none labelled cuda"
      echo "no tests are labelled cuda yet (set_tests_properties(... LABELS cuda) adds them)"
    fi
  else
    result[cuda_tests]="skipped, no usable CUDA ($cuda_tests labelled cuda)"
    step "tests labelled cuda ($cuda_tests): skipped, CUDA is not usable here"
  fi
  if ((only_cuda)); then
    step "other tests: skipped (--only-cuda)"
  else
    # Not the SLURM test: it starts its own cluster daemons, which has no place on a GPU node
    # (scripts/test.sh runs it on the CI machine).
    step "other tests"
    ctest --test-dir "$build" -LE 'cuda|slurm' -j "$(nproc)" --timeout 600 >"$logs/ctest.log" 2>&1 || true
    read -r p f s < <(count_tests "$logs/ctest.log")
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
    grep -E 'tests passed|Total Test time' "$logs/ctest.log" || true
    if ((s > 0)); then echo "skipped: $(skipped_tests "$logs/ctest.log" | paste -sd, -)"; fi
    # The failing tests with ctest's reasons; their output is in the log.
    sed -n '/^The following tests FAILED:/,$p' "$logs/ctest.log"
  fi
  if ((failed > 0 || passed == 0)); then bad "tests"; fi
  result[tests]="$passed passed, $failed failed, $skipped skipped"
fi

# The job as users start it. Open MPI refuses root unless told; the loopback-only transports
# keep a one-node smoke run independent of the node's network setup.
result[smoke]=no
if [[ ${result[build]} == yes ]]; then
  # One rank per device: as many ranks as GPUs (at most 2), or 2 CPU ranks without CUDA.
  smoke_np=2
  if [[ $cuda == yes ]] && ((ndev < 2)); then smoke_np=$ndev; fi
  step "smoke: mpirun -np $smoke_np mmlu_eval --plan"
  if [[ $(id -u) -eq 0 ]]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
  if timeout 300 "$bundle/usr/bin/mpirun" --oversubscribe -np "$smoke_np" --mca btl self,vader,tcp \
    --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo \
    "$build/bin/mmlu_eval" --plan >"$logs/smoke.log" 2>&1; then
    result[smoke]=yes
    sed 's/^/  /' "$logs/smoke.log"
  else
    show_log "$logs/smoke.log"
    bad "smoke run"
  fi
fi

step "summary (logs in $logs)"
printf '  %-18s %s\n' \
  "bundle" "$bundle" \
  "build" "${result[build]} (MMLU_WITH_CUDA=${with_cuda:-?})" \
  "bundle libraries" "${result[ldd]}" \
  "cuda available" "$devices_summary" \
  "cuda tests" "${result[cuda_tests]}" \
  "all tests" "${result[tests]}" \
  "smoke" "${result[smoke]}" \
  "time" "$((SECONDS - started)) s" \
  "result" "$(if ((fail)); then echo FAILED; else echo ok; fi)"
exit "$fail"
