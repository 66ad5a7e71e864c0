#!/usr/bin/env bash
# The catalogue of bad inputs: every surface users feed mmlu_eval (checkpoint files, config.json,
# tokenizer files, data sets, INI files and options, layouts, output paths). Each case runs under
# `mpirun -np 2` and must: exit 2; print exactly one stderr line (once, not once per rank) naming
# the file or option and the problem; leave no rank running; create or replace no results file.
# Usage: bad_input_catalogue.sh MMLU_EVAL REPO MPIRUN PYTHON
set -u
exe=$1 repo=$2 mpirun=$3 python=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
model=$repo/configs/embedded/model data=$repo/configs/embedded/data
out=$tmp/out.h5
cases=0 failed=0

# refuse NAME PATTERN ARGS...: the contract above; PATTERN is an extended regex for the line.
refuse() {
  local name=$1 pattern=$2
  shift 2
  cases=$((cases + 1))
  printf 'precious' >"$tmp/existing.h5"
  timeout 120 "$mpirun" -q --oversubscribe --mca btl self,vader,tcp --mca btl_tcp_if_include lo \
    --mca oob_tcp_if_include lo -np 2 "$exe" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
  local rc=$? lines
  lines=$(grep -c . "$tmp/stderr")
  local problem=""
  [ "$rc" -eq 2 ] || problem+=" exit $rc;"
  [ "$lines" -eq 1 ] || problem+=" $lines stderr lines;"
  grep -Eq -- "^mmlu_eval: .*$pattern" "$tmp/stderr" || problem+=" message does not match;"
  [ ! -e "$out" ] && [ ! -e "$out.tmp" ] && [ ! -e "$out.partial" ] ||
    problem+=" a results or partial file appeared;"
  [ "$(cat "$tmp/existing.h5")" = precious ] || problem+=" an existing file was replaced;"
  pgrep -f "$tmp/" >/dev/null && problem+=" a rank is still running;"
  if [ -n "$problem" ]; then
    failed=$((failed + 1))
    printf 'FAIL %s:%s\n  stderr: %s\n' "$name" "$problem" "$(head -3 "$tmp/stderr")"
  fi
  rm -f "$out" "$out.tmp"
}
copy_model() { rm -rf "${tmp:?}/$1" && cp -r "$model" "$tmp/$1"; }
copy_data() { rm -rf "${tmp:?}/$1" && cp -r "$data" "$tmp/$1"; }
run_model() { local dir=$1; shift; refuse "$@" --model "$tmp/$dir" --data "$data" --out "$out"; }

# --- checkpoint files
st=model.safetensors
copy_model m1 && head -c 100000 "$model/$st" >"$tmp/m1/$st"
run_model m1 "truncated safetensors" "$tmp/m1/$st: .*(truncated|past the end|end of the file|does not end)"
copy_model m2 && printf '\xff\xff\xff\xff\x00\x00\x00\x00{}' >"$tmp/m2/$st"
run_model m2 "header length past the end" "$tmp/m2/$st: "
copy_model m3 && printf '\x04\x00\x00\x00\x00\x00\x00\x00{{{{' >"$tmp/m3/$st"
run_model m3 "header not JSON" "$tmp/m3/$st: header is not valid JSON"
copy_model m4 && rm "$tmp/m4/$st" && printf 'pickle' >"$tmp/m4/pytorch_model.bin"
run_model m4 "pickle checkpoint" "pytorch_model.bin"
"$python" - "$model/$st" "$tmp" <<'PY'
import json, struct, sys, pathlib
src, tmp = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
raw = src.read_bytes()
n = struct.unpack("<Q", raw[:8])[0]
header, data = json.loads(raw[8:8 + n]), raw[8 + n:]
def write(name, h, d):
    text = json.dumps(h).encode()
    (tmp / name).mkdir(exist_ok=True)
    (tmp / name / "model.safetensors").write_bytes(struct.pack("<Q", len(text)) + text + d)
h = dict(header); h.pop("lm_head.weight"); write("missing_tensor", h, data)   # data now too long
h = json.loads(json.dumps(header)); k = "model.norm.weight"
h[k]["dtype"] = "F99"; write("bad_dtype", h, data)
h = json.loads(json.dumps(header)); b, e = h[k]["data_offsets"]; h[k]["data_offsets"] = [b, e + 4]
write("bad_offsets", h, data)
# A bias the architecture does not have: its weights would be left out of the forward pass.
h = json.loads(json.dumps(header)); end = len(data)
h["model.layers.0.mlp.gate_proj.bias"] = {"dtype": "F32", "shape": [4], "data_offsets": [end, end + 16]}
write("extra_tensor", h, data + bytes(16))
PY
for d in missing_tensor bad_dtype bad_offsets extra_tensor; do
  cp "$model"/{config.json,tokenizer.json,tokenizer_config.json} "$tmp/$d/"
done
run_model missing_tensor "safetensors with a gap" "$tmp/missing_tensor/$st: "
run_model bad_dtype "unknown dtype" "$tmp/bad_dtype/$st: .*F99"
run_model bad_offsets "overlapping offsets" "$tmp/bad_offsets/$st: "
run_model extra_tensor "a tensor the architecture does not have" \
  "$tmp/extra_tensor/$st: tensor 'model.layers.0.mlp.gate_proj.bias' is not part of LlamaForCausalLM"
copy_model m5 && rm "$tmp/m5/$st" &&
  printf '{"weight_map": {"model.norm.weight": "../../etc/passwd"}}' >"$tmp/m5/model.safetensors.index.json"
run_model m5 "index escaping the directory" "model.safetensors.index.json: .*'../../etc/passwd', not a file beside the index"

# --- config.json
copy_model c1 && printf '{"architectures": ["LlamaForCausalLM"],,}' >"$tmp/c1/config.json"
run_model c1 "malformed config.json" "$tmp/c1/config.json: malformed JSON at byte"
copy_model c2 && "$python" -c "import json,sys; p=sys.argv[1]; c=json.load(open(p)); c['architectures']=['GPT2LMHeadModel']; json.dump(c, open(p,'w'))" "$tmp/c2/config.json"
run_model c2 "unsupported architecture" "GPT2LMHeadModel"
copy_model c3 && "$python" -c "import json,sys; p=sys.argv[1]; c=json.load(open(p)); del c['hidden_size']; json.dump(c, open(p,'w'))" "$tmp/c3/config.json"
run_model c3 "missing hidden_size" "$tmp/c3/config.json: .*hidden_size"
copy_model c4 && "$python" -c "import json,sys; p=sys.argv[1]; c=json.load(open(p)); c['num_attention_heads']=3; json.dump(c, open(p,'w'))" "$tmp/c4/config.json"
run_model c4 "heads not dividing hidden size" "$tmp/c4/config.json: "
copy_model c5 && printf '{"hidden_size": 1e999}' >"$tmp/c5/config.json"
run_model c5 "number overflow" "$tmp/c5/config.json: malformed JSON \\(number overflow"
edit_config() {  # edit_config DIR PYTHON-STATEMENTS: c is the embedded config.json's object
  copy_model "$1" && "$python" -c "import json,sys; p=sys.argv[1]; c=json.load(open(p)); $2; json.dump(c, open(p,'w'))" "$tmp/$1/config.json"
}
edit_config c8 "c['residual_multiplier'] = 0.22"
run_model c8 "an unknown config field" "$tmp/c8/config.json: field 'residual_multiplier' \\(0.22\\) is unknown"
edit_config c9 "c['hidden_act'] = 'relu'"
run_model c9 "an activation not implemented" "$tmp/c9/config.json: hidden_act \"relu\" is not supported"
edit_config c10 "c.update(architectures=['DeepseekV3ForCausalLM'], model_type='deepseek_v3', kv_lora_rank=512)"
run_model c10 "a family not implemented (DeepSeek's MLA)" "$tmp/c10/config.json: architecture 'DeepseekV3ForCausalLM' is not supported \\(supported: LlamaForCausalLM, "
edit_config c12 "c['quantization_config'] = {'quant_method': 'fp8', 'fmt': 'e4m3', 'weight_block_size': [128, 128]}"
run_model c12 "fp8 block-scaled weights" "$tmp/c12/config.json: quantization_config: quantized checkpoints are not supported"
edit_config c11 "c['rope_parameters'] = {'rope_type': 'yarn', 'factor': 4.0}"
run_model c11 "a rope type not implemented" "$tmp/c11/config.json: rope scaling type 'yarn' is not supported"
refuse "a subject the synthetic workload lacks" "--subjects: no subject astrology in the synthetic workload" --model "$model" --synthetic-data --subjects astrology --out "$out"

# --- tokenizer files
copy_model t1 && rm "$tmp/t1/tokenizer.json"
run_model t1 "no tokenizer" "$tmp/t1: no tokenizer \\(looked for tokenizer.json and tokenizer.model\\)"
copy_model t2 && printf '{"model": ' >"$tmp/t2/tokenizer.json"
run_model t2 "malformed tokenizer.json" "$tmp/t2/tokenizer.json: malformed JSON at byte"
copy_model t3 && sed -i 's/"type": *"BPE"/"type":"Unigram"/; s/"type":"BPE"/"type":"Unigram"/' "$tmp/t3/tokenizer.json"
run_model t3 "unsupported tokenizer model" "$tmp/t3/tokenizer.json: model type \"Unigram\" is not supported"
copy_model t4 && sed -i 's/"type":"Split"/"type":"UnicodeScripts"/; s/"type": "Split"/"type": "UnicodeScripts"/' "$tmp/t4/tokenizer.json"
run_model t4 "unsupported pre-tokenizer" "$tmp/t4/tokenizer.json: .*UnicodeScripts is not supported"
copy_model t5 && printf '{"tokenizer_class": "LlamaTokenizer", "legacy": "yes"}' >"$tmp/t5/tokenizer_config.json"
run_model t5 "bad tokenizer_config flag" "$tmp/t5/tokenizer_config.json: legacy must be true or false"

copy_model t6 && cp "$repo/tests/fixtures/tokenizers/llama3_bytelevel/"tokenizer*.json "$tmp/t6/"
run_model t6 "tokenizer of a larger vocabulary" "$tmp/t6/tokenizer.json: .* beyond config.json's vocab_size"

# --- data sets
copy_data d1 && printf 'ok,a,b,c,d,A\n"open,a,b,c,d,B\n' >"$tmp/d1/test/philosophy_test.csv"
refuse "unterminated quote" "$tmp/d1/test/philosophy_test.csv:2: unterminated quoted field" --model "$model" --data "$tmp/d1" --out "$out"
copy_data d2 && printf 'q,a,b,c,A\n' >"$tmp/d2/test/philosophy_test.csv"
refuse "five fields" "$tmp/d2/test/philosophy_test.csv:1: expected 6 fields" --model "$model" --data "$tmp/d2" --out "$out"
copy_data d3 && printf 'q,a,b,c,d,E\n' >"$tmp/d3/dev/philosophy_dev.csv"
refuse "answer outside A-D" "$tmp/d3/dev/philosophy_dev.csv:1: answer \"E\"" --model "$model" --data "$tmp/d3" --out "$out"
copy_data d4 && printf 'caf\xe9,a,b,c,d,A\n' >"$tmp/d4/test/philosophy_test.csv"
refuse "not UTF-8" "$tmp/d4/test/philosophy_test.csv:1: not valid UTF-8" --model "$model" --data "$tmp/d4" --out "$out"
copy_data d5 && rm "$tmp/d5/dev/miscellaneous_dev.csv"
refuse "missing dev file" "$tmp/d5/dev/miscellaneous_dev.csv: no such file" --model "$model" --data "$tmp/d5" --out "$out"
copy_data d9 && : >"$tmp/d9/test/philosophy_test.csv"
refuse "empty test file" "$tmp/d9/test/philosophy_test.csv: no questions" --model "$model" --data "$tmp/d9" --out "$out"
copy_data d10 && printf '\n' >"$tmp/d10/dev/philosophy_dev.csv"
refuse "empty dev file" "$tmp/d10/dev/philosophy_dev.csv: no rows \\(the few-shot examples of philosophy" --model "$model" --data "$tmp/d10" --out "$out"
mkdir -p "$tmp/d6/dev"
refuse "no test directory" "$tmp/d6/test: no such directory" --model "$model" --data "$tmp/d6" --out "$out"
printf '{"subject": "x", "split": "test",\n' >"$tmp/d7.jsonl"
refuse "malformed JSON Lines" "$tmp/d7.jsonl:1: malformed JSON at byte" --model "$model" --data "$tmp/d7.jsonl" --out "$out"
printf '{"subject": "x", "split": "test", "question": "q", "choices": ["a"], "answer": 0}\n' >"$tmp/d8.jsonl"
refuse "JSON Lines with one choice" "$tmp/d8.jsonl:1: \"choices\" must be a list of 4" --model "$model" --data "$tmp/d8.jsonl" --out "$out"
refuse "unknown subject" "no subject astrology in the test split \\(available: " --model "$model" --data "$data" --subjects astrology --out "$out"
refuse "missing data" "$tmp/none: no such file or directory" --model "$model" --data "$tmp/none" --out "$out"

# --- INI files and options
printf 'model = %s\nbatchsize = 4\n' "$model" >"$tmp/bad.ini"
refuse "unknown INI key" "$tmp/bad.ini: unknown key 'batchsize'" --config "$tmp/bad.ini"
printf 'model = %s\ntp = two\n' "$model" >"$tmp/bad_value.ini"
refuse "bad INI value" "--tp: expected a positive integer or 'auto'" --config "$tmp/bad_value.ini"
refuse "missing INI file" "$tmp/none.ini: no such file" --config "$tmp/none.ini"
refuse "unknown option" "unrecognised option '--batch'" --batch 8
refuse "bad --shots" "--shots: expected 0 to 64" --model "$model" --shots -1
refuse "bad --split" "--split: expected test or val" --model "$model" --split train
refuse "bad --dtype" "--dtype" --model "$model" --dtype fp8
refuse "bad --device-memory" "--device-memory: expected a size" --model "$model" --device-memory lots
refuse "bad --flush-every" "--flush-every: must be at least 1" --model "$model" --flush-every 0
refuse "bad --stall-timeout" "--stall-timeout: must be 0" --model "$model" --stall-timeout -5

copy_model c7 && "$python" -c "import json,sys; p=sys.argv[1]; c=json.load(open(p)); c['rope_parameters']={'rope_type': 'dynamic', 'factor': 2.0, 'rope_theta': 10000.0}; json.dump(c, open(p,'w'))" "$tmp/c7/config.json"
run_model c7 "dynamic rope beyond the context" "--max-seq-len 4096 is beyond max_position_embeddings 1024" --max-seq-len 4096
# Phi-3's longrope: prompts beyond its pretraining context, and a factor list of the wrong length.
phi3() {
  copy_model "$1" && "$python" - "$tmp/$1/config.json" "$2" <<'PY'
import json, sys
path, factors = sys.argv[1], int(sys.argv[2])
c = json.load(open(path))
del c["pretraining_tp"]
c.update(architectures=["Phi3ForCausalLM"], model_type="phi3", original_max_position_embeddings=512,
         rope_parameters={"rope_type": "longrope", "rope_theta": 10000.0,
                          "short_factor": [1.0] * factors, "long_factor": [2.0] * factors})
json.dump(c, open(path, "w"))
PY
}
phi3 c13 16
run_model c13 "longrope beyond its pretraining context" "--max-seq-len 1024 is beyond original_max_position_embeddings 512 of $tmp/c13/config.json" --max-seq-len 1024
phi3 c14 3
run_model c14 "longrope factors of the wrong count" "$tmp/c14/config.json: rope_parameters.short_factor has 3 factors, but 32 rotary dimensions need 16"

# --- layouts
copy_model c6 && "$python" -c "import json,sys; p=sys.argv[1]; c=json.load(open(p)); c.update(num_attention_heads=3, num_key_value_heads=3, head_dim=32, hidden_size=96); json.dump(c, open(p,'w'))" "$tmp/c6/config.json"
refuse "tp beyond the world" "--tp 3 exceeds the world size 2" --model "$model" --tp 3
refuse "tp not dividing the heads" "--tp 2 .*heads" --model "$tmp/c6" --tp 2
refuse "model fits nowhere" "the model does not fit" --model "$model" --device-memory 64MiB
refuse "missing model directory" "$tmp/nomodel: model directory not found" --model "$tmp/nomodel"

# --- output paths
refuse "output directory missing" "$tmp/nodir/r.h5: no directory" --model "$model" --data "$data" --out "$tmp/nodir/r.h5"
refuse "output exists" "$tmp/existing.h5: exists \\(pass --overwrite" --model "$model" --data "$data" --out "$tmp/existing.h5"
mkdir -p "$tmp/adir.h5"
refuse "output is a directory" "$tmp/adir.h5: is a directory" --model "$model" --data "$data" --out "$tmp/adir.h5" --overwrite
refuse "output is a directory (no --overwrite)" "$tmp/adir.h5: is a directory" --model "$model" --data "$data" --out "$tmp/adir.h5"
refuse "output is a directory (--resume)" "$tmp/adir.h5: is a directory" --model "$model" --data "$data" --out "$tmp/adir.h5" --resume
mkfifo "$tmp/fifo.ini"
refuse "a FIFO as the INI file" "$tmp/fifo.ini: not a regular file" --config "$tmp/fifo.ini"
refuse "empty output path" "--out: '' names no file" --model "$model" --data "$data" --out ""
printf 'notes' >"$tmp/pf.h5.partial"
refuse "a file where OUT.partial goes" "$tmp/pf.h5.partial: cannot be created" --model "$model" --data "$data" --out "$tmp/pf.h5"
[ "$(cat "$tmp/pf.h5.partial")" = notes ] || { failed=$((failed + 1)); echo "FAIL a user's file at OUT.partial was removed"; }
refuse "output not writable" "/proc/mmlu.h5: cannot be written" --model "$model" --data "$data" --out /proc/mmlu.h5

# --- partial results of an interrupted run (OUT.partial/)
partial=$tmp/resumed.h5.partial
mkdir -p "$partial" && printf 'not a partial results file' >"$partial/attempt-0000.dp-0000.bin"
refuse "garbage partial file" "$partial/attempt-0000.dp-0000.bin: not a partial results file" \
  --model "$model" --data "$data" --out "$tmp/resumed.h5" --resume
refuse "partial results left over" "$partial: holds partial results of an interrupted run; pass --resume" \
  --model "$model" --data "$data" --out "$tmp/resumed.h5"
# A partial file written for another model (same data and dtype): its key names another checkpoint.
"$python" - "$partial/attempt-0000.dp-0000.bin" <<'PY'
import struct, sys
key = b"work=0\nmodel=another\ndtype=fp32\nlayout=tp=1 dp=2\n"
open(sys.argv[1], "wb").write(b"MMLU-PARTIAL-v1\n" + struct.pack("<II", 48, len(key)) + key)
PY
refuse "partial results of another run" "$partial/attempt-0000.dp-0000.bin: belongs to another run" \
  --model "$model" --data "$data" --out "$tmp/resumed.h5" --resume
[ -f "$partial/attempt-0000.dp-0000.bin" ] || { failed=$((failed + 1)); echo "FAIL a refused partial file was removed"; }

echo "bad-input catalogue: $cases cases, $failed failed"
[ "$cases" -ge 67 ] && [ "$failed" -eq 0 ]
