#!/usr/bin/env bash
# Fuzzes every input surface with libFuzzer (targets in tests/fuzz; clang, ASan + UBSan):
# safetensors headers, CSV and JSON Lines data, tokenizer.json, config.json, INI files and
# partial-results files (--resume).
# Builds into build-fuzz/, replays every saved regression input (tests/fuzz/regressions/TARGET/:
# inputs that once crashed, kept for ever), then runs each target for SECONDS from seeds taken
# from the repository's fixtures. A new crash is copied to tests/fuzz/regressions/TARGET/ (commit
# it with the fix) and the script exits 1.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (default 60 s each, all targets)
#        scripts/fuzz.sh --ci [TARGET...]        a fixed seed and a fixed number of runs per
#                                                target (about 20 s each on 2 cores), so CI's
#                                                verdict does not depend on timing or luck
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
ci=0
if [ "${1:-}" = --ci ]; then ci=1; shift; seconds=0; else seconds=${1:-60}; shift || true; fi
declare -A ci_runs=([safetensors]=200000 [csv]=20000 [jsonl]=15000 [tokenizer_json]=800
                    [config_json]=200000 [ini]=15000 [partial_results]=200000 [task_file]=200000
                    [parquet]=20000)
targets=("$@")
((${#targets[@]})) ||
  targets=(safetensors csv jsonl tokenizer_json config_json ini partial_results task_file parquet)
build=$repo/build-fuzz
command -v clang++ >/dev/null || { echo "fuzz: clang++ not found (apt-get install clang)" >&2; exit 2; }

if [ ! -f "$build/CMakeCache.txt" ]; then
  CXX=clang++ cmake -S tests/fuzz -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build.configure.log" 2>&1 ||
    { cat "$build.configure.log"; exit 1; }
fi
cmake --build "$build" -j "$(nproc)" >"$build.build.log" 2>&1 || { tail -40 "$build.build.log"; exit 1; }

# Seeds: copies of real inputs, small enough for fast executions.
seeds=$build/seeds
rm -rf "$seeds"
mkdir -p "$seeds"/{safetensors,csv,jsonl,tokenizer_json,config_json,ini,partial_results,task_file,parquet}
for f in tests/fixtures/tasks/hub/*/*/*/*.parquet; do cp "$f" "$seeds/parquet/$(echo "$f" | tr / _)"; done
for f in tasks/*.json tasks/mmlu/mmlu_anatomy.json tasks/cmmlu/cmmlu_agronomy.json; do
  cp "$f" "$seeds/task_file/"
done
cp configs/embedded/data/*/*.csv "$seeds/csv/"
cp tests/fixtures/tokenizers/*/tokenizer.json "$seeds/tokenizer_json/" 2>/dev/null || true
for f in tests/fixtures/tokenizers/*/tokenizer.json; do cp "$f" "$seeds/tokenizer_json/$(basename "$(dirname "$f")").json"; done
cp configs/embedded/model/tokenizer.json "$seeds/tokenizer_json/embedded.json"
for f in tests/fixtures/models/*/config.json configs/*/*/config.json configs/embedded/model/config.json; do
  cp "$f" "$seeds/config_json/$(echo "$f" | tr / _)"
done
cp configs/default.ini "$seeds/ini/"
printf 'model = m\ntp = 2\ndtype = bf16\nshots = 3\nsubjects = a,b\n' >"$seeds/ini/options.ini"
python3 - "$seeds" <<'PY'
import csv, json, pathlib, struct, sys
seeds = pathlib.Path(sys.argv[1])
with open(seeds / "jsonl" / "embedded.jsonl", "w") as out:
    for split in ("dev", "test"):
        for path in sorted(pathlib.Path("configs/embedded/data", split).glob("*.csv"))[:2]:
            for row in list(csv.reader(open(path, newline="", encoding="utf-8")))[:4]:
                out.write(json.dumps({"subject": path.name.split("_" + split)[0], "split": split,
                                      "question": row[0], "choices": row[1:5],
                                      "answer": row[5]}) + "\n")
# Small safetensors files written by hand: 8-byte header length, JSON header, data.
def safetensors(name, tensors):
    header, data = {}, b""
    for key, (dtype, shape, raw) in tensors.items():
        header[key] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header).encode()
    (seeds / "safetensors" / name).write_bytes(struct.pack("<Q", len(text)) + text + data)
safetensors("one.safetensors", {"w": ("F32", [2, 2], bytes(16))})
safetensors("two.safetensors", {"a": ("BF16", [3], bytes(6)), "b": ("I64", [1, 1], bytes(8))})
safetensors("empty.safetensors", {"e": ("F16", [0, 4], b"")})
# A partial-results file of the fuzz target's key: header, one block of two records.
key = b"work=0123456789abcdef\nmodel=model\ndtype=fp32\nlayout=tp=1 dp=1\n"
records = b"".join(struct.pack("<iiqiiii4f", 0, i % 4, i, 1, 300, 5, 0, -1.0, -2.0, -0.5, -3.0)
                   for i in range(2))
count = struct.pack("<I", 2)
h = 1469598103934665603
for byte in count + records:
    h = ((h ^ byte) * 1099511628211) % 2**64
(seeds / "partial_results" / "two.bin").write_bytes(
    b"MMLU-PARTIAL-v1\n" + struct.pack("<II", 48, len(key)) + key +
    struct.pack("<I", 0x314B4C42) + count + records + struct.pack("<Q", h))
PY

mkdir -p tests/fuzz/regressions
failed=0
for t in "${targets[@]}"; do
  exe=$build/fuzz_$t
  saved=(tests/fuzz/regressions/$t/*)
  if [ -e "${saved[0]}" ]; then
    echo "== $t: replaying ${#saved[@]} saved input(s)"
    "$exe" "${saved[@]}" >"$build/$t.replay.log" 2>&1 || { tail -30 "$build/$t.replay.log"; failed=1; }
  fi
  corpus=$build/corpus/$t
  crashes=$build/crashes/$t
  mkdir -p "$corpus" "$crashes"
  if ((ci)); then
    rm -rf "${corpus:?}"/*  # the same start every time
    budget=(-seed=1 -runs="${ci_runs[$t]}")
    echo "== $t: fuzzing for ${ci_runs[$t]} runs (seed 1)"
  else
    budget=(-max_total_time="$seconds")
    echo "== $t: fuzzing for ${seconds}s"
  fi
  if ! "$exe" "$corpus" "$seeds/$t" "${budget[@]}" -max_len=262144 -timeout=10 \
    -rss_limit_mb=4096 -artifact_prefix="$crashes/" -print_final_stats=1 >"$build/$t.log" 2>&1; then
    tail -40 "$build/$t.log"
    mkdir -p "tests/fuzz/regressions/$t"
    cp "$crashes"/* "tests/fuzz/regressions/$t/" 2>/dev/null || true
    echo "fuzz: $t found a failing input; saved under tests/fuzz/regressions/$t/" >&2
    failed=1
  fi
  grep -E "stat::number_of_executed_units|cov:" "$build/$t.log" | tail -2 | sed 's/^/  /'
done
exit "$failed"
