#include "mmlu/data/task_spec.hpp"

#include <set>

#include "mmlu/data/doc_transforms.hpp"
#include "mmlu/util/error.hpp"

namespace mmlu {
namespace {

// lm-eval keys that change nothing a log-likelihood run computes.
const std::set<std::string> kInertKeys = {"metadata", "task_alias", "should_decontaminate",
                                          "doc_to_decontamination_query"};

class SpecReader {
 public:
  SpecReader(const Json& json, const std::filesystem::path& file) : json_(json), file_(file) {
    if (!json.is_object()) fail("", "a task file is a JSON object");
  }

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw InputError(file_.string() + ": " + (key.empty() ? "" : key + ": ") + what);
  }
  std::string origin(const std::string& key) const { return file_.string() + ": " + key; }

  const Json* find(const std::string& key) {
    seen_.insert(key);
    auto it = json_.find(key);
    return it == json_.end() ? nullptr : &*it;
  }
  std::string text(const std::string& key, bool required) {
    const Json* v = find(key);
    if (!v) {
      if (required) fail(key, "missing");
      return {};
    }
    if (!v->is_string()) fail(key, "must be text, not " + std::string(v->type_name()));
    return v->get<std::string>();
  }
  std::optional<std::string> optional_text(const std::string& key) {
    const Json* v = find(key);
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_string()) fail(key, "must be text or null, not " + std::string(v->type_name()));
    return v->get<std::string>();
  }
  // Text, or a list of text (lm-eval allows both for tags).
  std::vector<std::string> names(const std::string& key) {
    const Json* v = find(key);
    if (!v) return {};
    if (v->is_string()) return {v->get<std::string>()};
    std::vector<std::string> out;
    if (!v->is_array()) fail(key, "must be text or a list of text");
    for (const Json& item : *v) {
      if (!item.is_string()) fail(key, "must be text or a list of text");
      out.push_back(item.get<std::string>());
    }
    return out;
  }
  // A template (text), or the field's value given directly: a number or a list of text.
  FieldTemplate field(const std::string& key, bool required) {
    const Json* v = find(key);
    if (!v) {
      if (required) fail(key, "missing");
      return {};
    }
    if (v->is_string()) return FieldTemplate::parse(v->get<std::string>(), origin(key));
    if (v->is_number_integer()) return FieldTemplate::constant(*v);
    if (v->is_array()) {
      for (const Json& item : *v)
        if (!item.is_string()) fail(key, "a list here holds text only");
      return FieldTemplate::constant(*v);
    }
    fail(key,
         "must be a template, an integer or a list of text, not " + std::string(v->type_name()));
  }
  void refuse_unknown_keys() {
    for (auto it = json_.begin(); it != json_.end(); ++it)
      if (!seen_.count(it.key()) && !kInertKeys.count(it.key()))
        fail(it.key(),
             "not implemented (a key lm-eval may have, but this task layer does not "
             "run it; see tasks/README.md)");
  }

 private:
  const Json& json_;
  const std::filesystem::path& file_;
  std::set<std::string> seen_;
};

}  // namespace

const std::string& TaskSpec::evaluated_split() const {
  return test_split ? *test_split : *validation_split;
}

const std::string& TaskSpec::fewshot_pool_split() const {
  if (fewshot_split) return *fewshot_split;
  if (training_split) return *training_split;
  if (validation_split) return *validation_split;
  return *test_split;
}

int TaskSpec::shots(std::optional<int> requested) const {
  if (num_fewshot && *num_fewshot == 0) return 0;
  if (requested) return *requested;
  return num_fewshot.value_or(0);
}

MetricEntry parse_metric_entry(const Json& entry, bool in_group, const std::string& where) {
  auto fail = [&](const std::string& what) { return InputError(where + ": " + what); };
  if (!entry.is_object() || !entry.contains("metric") || !entry["metric"].is_string())
    throw fail("each entry is {\"metric\": NAME, ...}");
  MetricEntry m{entry["metric"].get<std::string>(), true};
  if (m.metric != "acc" && m.metric != "acc_norm")
    throw fail("metric '" + m.metric + "' is not implemented (acc and acc_norm are)");
  for (auto it = entry.begin(); it != entry.end(); ++it) {
    const std::string& key = it.key();
    if (key == "metric") continue;
    if (key == "aggregation") {
      if (*it != "mean") throw fail("aggregation " + it->dump() + " is not implemented (mean is)");
    } else if (key == "higher_is_better" && !in_group) {
      if (*it != true) throw fail("higher_is_better false is not implemented");
    } else if (key == "weight_by_size" && in_group) {
      if (!it->is_boolean()) throw fail("weight_by_size must be true or false");
      m.weight_by_size = it->get<bool>();
    } else {
      throw fail("'" + key + "' is not implemented");
    }
  }
  return m;
}

TaskSpec parse_task_spec(const Json& json, const std::filesystem::path& file) {
  SpecReader r(json, file);
  TaskSpec t;
  t.file = file;
  t.name = r.text("task", true);
  if (t.name.empty() || t.name.find_first_of(",/ \t\n") != std::string::npos)
    r.fail("task", "a task name is non-empty and has no commas, slashes or spaces");
  t.tags = r.names("tag");
  t.dataset_path = r.text("dataset_path", true);
  t.dataset_name = r.optional_text("dataset_name");
  t.training_split = r.optional_text("training_split");
  t.validation_split = r.optional_text("validation_split");
  t.test_split = r.optional_text("test_split");
  t.fewshot_split = r.optional_text("fewshot_split");
  if (!t.test_split && !t.validation_split)
    r.fail("test_split", "a task needs a test_split or a validation_split to evaluate");

  if (const Json* fc = r.find("fewshot_config")) {
    if (!fc->is_object()) r.fail("fewshot_config", "must be an object");
    for (auto it = fc->begin(); it != fc->end(); ++it) {
      if (it.key() != "sampler")
        r.fail("fewshot_config." + it.key(), "not implemented (only 'sampler' is)");
      if (*it == "first_n")
        t.sampler = FewShotSampling::first_n;
      else if (*it == "default")
        t.sampler = FewShotSampling::random;
      else
        r.fail("fewshot_config.sampler", it->dump() + " is not 'first_n' or 'default'");
    }
  }
  if (const Json* k = r.find("num_fewshot"); k && !k->is_null()) {
    if (!k->is_number_integer() || *k < 0 || *k > kMaxShots)
      r.fail("num_fewshot", "must be an integer in 0.." + std::to_string(kMaxShots));
    t.num_fewshot = k->get<int>();
  }

  t.process_docs = r.text("process_docs", false);
  if (!t.process_docs.empty() && !is_doc_transform(t.process_docs))
    r.fail("process_docs", "no built-in transform '" + t.process_docs + "' (there are " +
                               doc_transform_names() + ")");
  t.description = r.field("description", false);
  t.doc_to_text = r.field("doc_to_text", true);
  t.doc_to_choice = r.field("doc_to_choice", true);
  t.doc_to_target = r.field("doc_to_target", true);
  if (r.find("target_delimiter")) t.target_delimiter = r.text("target_delimiter", true);
  if (r.find("fewshot_delimiter")) t.fewshot_delimiter = r.text("fewshot_delimiter", true);

  std::string output_type = r.text("output_type", true);
  if (output_type != "multiple_choice")
    r.fail("output_type",
           "'" + output_type + "' is not implemented (log-likelihood multiple_choice tasks are)");

  const Json* metrics = r.find("metric_list");
  if (!metrics || !metrics->is_array() || metrics->empty())
    r.fail("metric_list", "a non-empty list of {\"metric\": NAME} is required");
  for (const Json& m : *metrics)
    t.metrics.push_back(parse_metric_entry(m, false, file.string() + ": metric_list").metric);
  t.process_results = r.text("process_results", false);
  if (!t.process_results.empty() && t.process_results != "mc2")
    r.fail("process_results", "'" + t.process_results + "' is not implemented (mc2 is)");
  r.refuse_unknown_keys();
  return t;
}

TaskSpec read_task_file(const std::filesystem::path& file) {
  return parse_task_spec(read_json_file(file), file);
}

}  // namespace mmlu
