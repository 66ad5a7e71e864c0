// Task files on arbitrary text: parsing, then the templates run on two documents (a few-shot pool
// of one and the document itself), so template evaluation is fuzzed with the parser.
#include "fuzz_target.hpp"
#include "mmlu/data/task_requests.hpp"
#include "mmlu/data/task_spec.hpp"
#include "mmlu/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const mmlu::Json kDoc = mmlu::Json::parse(
      R"({"question": " Q? ", "choices": {"text": ["a", "b"], "label": ["A", "B"]},
          "answerKey": "B", "answer": 1, "label": "0", "sentence": "x _ y", "option1": "p",
          "option2": "q", "ctx_a": "c", "ctx_b": "d", "activity_label": "e",
          "endings": ["f [x]", "g"], "options": ["h", "i"], "letters": ["A"]})");
  try {
    const mmlu::TaskSpec spec = mmlu::parse_task_spec(
        mmlu::parse_json_text(mmlu::fuzz::as_text(data, size), "fuzz/task.json"), "fuzz/task.json");
    const mmlu::TaskDocs docs = mmlu::prepare_docs(spec, {kDoc, kDoc}, "fuzz/docs.jsonl");
    mmlu::build_requests(spec, docs, docs, spec.shots(1), 1234);
  } catch (const mmlu::InputError&) {
  }
  return 0;
}
