#!/usr/bin/env bash
# mmlu_tokenize as a filter: for every fixture style, the ids it prints for the golden cases are
# transformers' (`ids`, and `ids_no_special` with --no-special), --decode gives back `decoded`;
# bad input is one stderr line and exit 2.
# Usage: mmlu_tokenize_cli_test.sh MMLU_TOKENIZE REPO PYTHON
set -u
exe=$1 repo=$2 python=$3
fixtures=$repo/tests/fixtures/tokenizers
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL $*"; failed=1; }

field() {  # field STYLE NAME: the golden field as JSON Lines (compact, as the tool prints)
  "$python" -c 'import json,sys
for line in open(sys.argv[1], encoding="utf-8"):
    print(json.dumps(json.loads(line)[sys.argv[2]], separators=(",", ":"), ensure_ascii=False))' \
    "$fixtures/$1/golden.jsonl" "$2"
}

for style in llama2_spm llama2_json_legacy mistral_metaspace gpt2_bytelevel llama3_bytelevel \
  qwen2_bytelevel; do
  field "$style" text >"$tmp/text"
  "$exe" --tokenizer "$fixtures/$style" <"$tmp/text" >"$tmp/ids" || fail "$style: exit $?"
  cmp -s "$tmp/ids" <(field "$style" ids) || fail "$style: ids differ from transformers"
  "$exe" --tokenizer "$fixtures/$style" --no-special <"$tmp/text" >"$tmp/plain" ||
    fail "$style --no-special: exit $?"
  cmp -s "$tmp/plain" <(field "$style" ids_no_special) || fail "$style: --no-special ids differ"
  "$exe" --tokenizer "$fixtures/$style" --decode <"$tmp/plain" |
    "$python" -c 'import json,sys; [print(json.dumps(json.loads(l), ensure_ascii=False)) for l in sys.stdin]' \
      >"$tmp/decoded"
  cmp -s "$tmp/decoded" <(field "$style" decoded | "$python" -c 'import json,sys; [print(json.dumps(json.loads(l), ensure_ascii=False)) for l in sys.stdin]') ||
    fail "$style: --decode differs from transformers' decode"
done

refuse() {  # refuse NAME PATTERN INPUT ARGS...: exit 2 and one stderr line matching PATTERN
  local name=$1 pattern=$2 input=$3
  shift 3
  printf '%s' "$input" | "$exe" "$@" >/dev/null 2>"$tmp/err"
  local rc=$?
  if [ "$rc" -ne 2 ] || [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -Eq -- "$pattern" "$tmp/err"; then
    fail "$name: rc=$rc stderr: $(cat "$tmp/err")"
  fi
}
refuse "no --tokenizer" "--tokenizer DIR is required" ""
refuse "missing dir" "$tmp/none: no tokenizer \(looked for tokenizer.json and tokenizer.model\)" \
  "" --tokenizer "$tmp/none"
refuse "not JSON" "stdin:2: malformed JSON" $'"ok"\nnot json\n' --tokenizer "$fixtures/gpt2_bytelevel"
refuse "not a string" "stdin:1: expected a JSON string" $'[1, 2]\n' --tokenizer "$fixtures/gpt2_bytelevel"
refuse "bad id" "token id 99999 is not in" $'[99999]\n' --tokenizer "$fixtures/gpt2_bytelevel" --decode
mkdir -p "$tmp/broken" && printf '{"model": {"type": "Unigram"}}' >"$tmp/broken/tokenizer.json"
refuse "unigram" "$tmp/broken/tokenizer.json: model type \"Unigram\" is not supported" "" \
  --tokenizer "$tmp/broken"

[ "$failed" -eq 0 ] && echo "mmlu_tokenize: all checks passed"
exit "$failed"
