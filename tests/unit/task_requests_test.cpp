// Built-in task files against lm-evaluation-harness 0.4.13 (tests/fixtures/make_task_fixtures.py):
// for every task and shot count, lm-eval's own requests from the same documents, compared
// string for string: the few-shot documents, the prompt, each continuation, the target.
#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "mmlu/data/task_requests.hpp"
#include "mmlu/data/task_spec.hpp"
#include "mmlu/util/error.hpp"
#include "mmlu/util/json_file.hpp"
#include "task_fixtures.hpp"

namespace mmlu {
namespace {

using test::kTaskFixtures;
using test::read_split;
using test::task_file;

TEST(TaskRequests, BuiltInTasksMakeLmEvalsRequests) {
  const Json cases = read_json_file(kTaskFixtures / "requests.json");
  int documents = 0;
  std::set<std::string> tasks;
  for (const Json& c : cases) {
    const std::string name = c["task"];
    const int shots = c["shots"];
    const TaskSpec spec = read_task_file(task_file(name));
    EXPECT_EQ(spec.name, name);
    const TaskDocs evaluated = read_split(spec, spec.evaluated_split());
    const TaskDocs pool = read_split(spec, spec.fewshot_pool_split());
    const auto got = build_requests(spec, evaluated, pool, spec.shots(shots), 1234);
    ASSERT_EQ(got.size(), c["docs"].size()) << name;
    for (std::size_t d = 0; d < got.size(); ++d) {
      const Json& want = c["docs"][d];
      const DocumentRequests& r = got[d];
      const std::string where =
          name + " " + std::to_string(shots) + "-shot doc " + std::to_string(d);
      EXPECT_EQ(r.doc_id, want["doc_id"]) << where;
      EXPECT_EQ(r.target, want["target"]) << where;
      ASSERT_EQ(r.continuations.size(), want["requests"].size()) << where;
      for (std::size_t i = 0; i < r.continuations.size(); ++i) {
        const Json& req = want["requests"][i];
        EXPECT_EQ(r.contexts[static_cast<std::size_t>(r.context_of[i])],
                  want["contexts"][req[0].get<std::size_t>()].get<std::string>())
            << where << " choice " << i;
        EXPECT_EQ(r.continuations[i], req[1].get<std::string>()) << where << " choice " << i;
      }
      ++documents;
    }
    tasks.insert(name);
  }
  EXPECT_EQ(tasks.size(), 14u);
  EXPECT_EQ(documents, 188);
}

TEST(TaskRequests, GoldIsTheIndexLmEvalScoresAgainst) {
  const TaskSpec spec = read_task_file(task_file("arc_easy"));
  const TaskDocs docs = read_split(spec, "test");
  const auto got = build_requests(spec, docs, docs, 0, 1234);
  for (std::size_t d = 0; d < got.size(); ++d) {
    const Json& doc = docs.docs[d];
    const std::string key = doc["answerKey"];
    const Json& labels = doc["choices"]["label"];
    const auto want = std::find(labels.begin(), labels.end(), key) - labels.begin();
    EXPECT_EQ(got[d].gold, want) << d;
    EXPECT_EQ(got[d].choices.size(), labels.size()) << d;
  }
}

}  // namespace
}  // namespace mmlu

namespace mmlu {
namespace {

// The message a task file (given as JSON text) is refused with.
std::string task_refusal(const std::string& text) {
  try {
    parse_task_spec(parse_json_text(text, "t.json"), "t.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "(accepted)";
}

const char* const kMinimal = R"("task": "t", "dataset_path": "o/r", "test_split": "test",
    "output_type": "multiple_choice", "doc_to_text": "{{q}}", "doc_to_choice": ["a", "b"],
    "doc_to_target": "answer", "metric_list": [{"metric": "acc"}])";

std::string with(const std::string& extra) {
  return "{" + std::string(kMinimal) + extra + "}";
}

TEST(TaskFiles, RefusalsNameTheFileAndTheField) {
  EXPECT_EQ(task_refusal(with("")), "(accepted)");
  std::string long_path;  // q.a.a...: each step nests the expression once more
  for (int i = 0; i < 40; ++i) long_path += ".a";
  const std::pair<std::string, std::string> cases[] = {
      {R"({"task": "t"})", "t.json: dataset_path: missing"},
      {with(R"(, "filter_list": [])"), "t.json: filter_list: not implemented"},
      {with(R"(, "output_type": "generate_until")"), "t.json: output_type"},
      {with(R"(, "process_docs": "squad")"), "t.json: process_docs: no built-in transform 'squad'"},
      {with(R"(, "fewshot_config": {"sampler": "balanced"})"), "t.json: fewshot_config.sampler"},
      {with(R"(, "num_fewshot": -1)"), "t.json: num_fewshot: must be an integer"},
      {with(R"(, "metric_list": [{"metric": "f1"}])"), "t.json: metric_list: metric 'f1'"},
      {with(R"(, "description": "{% set x = 1 %}")"), "t.json: description: {% ... %} blocks"},
      {with(R"(, "doc_to_text": "{{q | upper}}")"), "t.json: doc_to_text: Jinja filters"},
      {with(R"(, "doc_to_text": "{{q.upper()}}")"), "t.json: doc_to_text: unsupported method"},
      {with(R"(, "doc_to_text": "{{q")"), "t.json: doc_to_text: '{{' at offset 0 is never closed"},
      {with(
           R"(, "doc_to_text": "{{((((((((((((((((((((((((((((((((((q))))))))))))))))))))))))))))))))))}}")"),
       "t.json: doc_to_text: expressions nested too deeply"},
      {with(R"(, "doc_to_choice": {"a": 1})"), "t.json: doc_to_choice: must be a template"},
      {with(R"(, "description": "{# a comment #}")"),
       "t.json: description: {% ... %} blocks and {# ... #} comments"},
      {with(R"(, "doc_to_text": "{{q)" + long_path + R"(}}")"),
       "t.json: doc_to_text: a field path too long"},
      {with(R"(, "test_split": null)"), "t.json: test_split: a task needs"},
  };
  for (const auto& [text, want] : cases) {
    const std::string got = task_refusal(text);
    EXPECT_EQ(got.rfind(want, 0), 0u) << "want: " << want << "\ngot:  " << got;
  }
}

std::string data_refusal(const std::string& extra, const std::string& doc) {
  const TaskSpec spec = parse_task_spec(parse_json_text(with(extra), "t.json"), "t.json");
  try {
    const TaskDocs docs = prepare_docs(spec, {parse_json_text(doc, "d")}, "d.jsonl");
    build_requests(spec, docs, docs, 0, 1234);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(TaskFiles, DocumentsTheTaskCannotUseAreRefusedByRow) {
  EXPECT_EQ(data_refusal("", R"({"q": "x", "answer": 1})"), "(accepted)");
  const std::array<std::array<std::string, 3>, 7> cases = {{
      {"", R"({"answer": 1})", "d.jsonl: row 0: doc_to_text ({{q}}): no field 'q'"},
      {"", R"({"q": "x", "answer": 2})", "d.jsonl: row 0: doc_to_target 2 is beyond its 2 choices"},
      {"", R"({"q": "x", "answer": "c"})", "d.jsonl: row 0: doc_to_target \"c\" is not among"},
      {R"(, "doc_to_choice": "opts")", R"({"q": "x", "answer": 0, "opts": []})",
       "d.jsonl: row 0: doc_to_choice gives an empty list"},
      {R"(, "doc_to_choice": "{{opts.text}}")", R"({"q": "x", "answer": 0, "opts": [1]})",
       "d.jsonl: row 0: doc_to_choice ({{opts.text}}): no field 'opts.text'"},
      {R"(, "process_docs": "winogrande")", R"({"sentence": "no blank", "answer": "1"})",
       "d.jsonl: row 0: field 'sentence' has no '_' (for winogrande)"},
      {R"(, "doc_to_text": "{{q + 1}}")", R"({"q": "x", "answer": 0})",
       "d.jsonl: row 0: doc_to_text ({{q + 1}}): an expression is not text in a '+'"},
  }};
  for (const auto& [extra, doc, want] : cases) {
    const std::string got = data_refusal(extra, doc);
    EXPECT_EQ(got.rfind(want, 0), 0u) << "want: " << want << "\ngot:  " << got;
  }
}

// lm-eval turns digits into a number only where a template rendered them; a field named directly
// keeps its text, which is then looked up among the choices.
TEST(TaskFiles, DigitsBecomeANumberOnlyWhenATemplateRendersThem) {
  auto gold_of = [](const std::string& target) {
    const TaskSpec spec = parse_task_spec(
        parse_json_text(
            with(R"(, "doc_to_choice": ["1", "2"], "doc_to_target": ")" + target + "\""), "t.json"),
        "t.json");
    const TaskDocs docs = prepare_docs(spec, {Json::parse(R"({"q": "x", "ans": "1"})")}, "d");
    return build_requests(spec, docs, docs, 0, 1234).at(0).gold;
  };
  EXPECT_EQ(gold_of("ans"), 0);      // "1" is the first choice
  EXPECT_EQ(gold_of("{{ans}}"), 1);  // the number 1: the second choice
}

TEST(FieldTemplates, ExpressionsEvaluateAsJinjaDoes) {
  const Json doc = Json::parse(R"({"q": "  Hi \u3000", "c": {"text": ["x", "y"], "label": ["A",
      "B"]}, "k": "B", "n": 7, "l": ["p", "q"]})");
  auto eval = [&](const std::string& t) { return FieldTemplate::parse(t, "t").evaluate(doc); };
  EXPECT_EQ(eval("{{q.strip()}}!"), "Hi!");
  EXPECT_EQ(eval("[{{q.lstrip()}}]"), "[Hi \u3000]");
  EXPECT_EQ(eval("{{q.rstrip()}}|"), "  Hi|");
  EXPECT_EQ(eval("{{c.label.index(k)}}"), 1);
  EXPECT_EQ(eval("{{c['text'][-1]}}"), "y");
  EXPECT_EQ(eval("{{[k, 'lit', \"d\\n\"]}}"), Json::parse(R"(["B", "lit", "d\n"])"));
  EXPECT_EQ(eval("{{'a' + k + 'c'}}"), "aBc");
  EXPECT_EQ(eval("{{l + ['r']}}"), Json::parse(R"(["p", "q", "r"])"));
  EXPECT_EQ(eval("n={{n}}"), "n=7");
  EXPECT_EQ(eval("n"), 7);  // a field's name is the field
  EXPECT_EQ(eval("{single} braces"), "{single} braces");
  EXPECT_EQ(eval("{{'a|b' + k}}"), "a|bB");                    // a '|' inside text is no filter
  EXPECT_THROW(eval("{{ missing }}"), std::invalid_argument);  // StrictUndefined, as lm-eval
  EXPECT_THROW(eval("{{ l[2] }}"), std::invalid_argument);
}

}  // namespace
}  // namespace mmlu
