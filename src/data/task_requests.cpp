#include "mmlu/data/task_requests.hpp"

#include <algorithm>
#include <stdexcept>

#include "mmlu/data/doc_transforms.hpp"
#include "mmlu/data/fewshot_sampler.hpp"
#include "mmlu/util/error.hpp"
#include "mmlu/util/utf8.hpp"

namespace mmlu {
namespace {

std::int64_t code_points(const std::string& text) {
  std::int64_t n = 0;
  for (std::size_t pos = 0; pos < text.size(); pos += utf8_length_at(text, pos)) ++n;
  return n;
}

// lm-eval turns all-digit text that doc_to_text and doc_to_target templates render into a number
// (a field named directly keeps its value).
Json digits_to_number(Json value) {
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    if (!s.empty() && s.size() <= 9 && s.find_first_not_of("0123456789") == std::string::npos)
      return Json(std::stoll(s));
  }
  return value;
}

// An index a task field gives (doc_to_text of a multiple-input task, doc_to_target), checked
// against the document's choices.
std::size_t choice_index(const Json& value, std::size_t choices, const char* field,
                         const std::string& origin, std::size_t row) {
  const auto k = value.get<std::int64_t>();
  if (k < 0 || k >= static_cast<std::int64_t>(choices))
    throw InputError(origin + ": row " + std::to_string(row) + ": " + field + " " +
                     std::to_string(k) + " is beyond its " + std::to_string(choices) + " choices");
  return static_cast<std::size_t>(k);
}

// One document as lm-eval sees it through the task's fields.
struct DocView {
  Json text;  // a string, or a number for multiple inputs
  std::vector<std::string> choices;
  Json target;  // a number or text
};

class RequestBuilder {
 public:
  RequestBuilder(const TaskSpec& spec) : spec_(spec) {}

  DocView view(const Json& doc, const std::string& origin, std::size_t row) const {
    auto at = [&](const char* field, const FieldTemplate& t) {
      try {
        return t.evaluate(doc);
      } catch (const std::invalid_argument& e) {
        throw InputError(origin + ": row " + std::to_string(row) + ": " + field + " (" + t.text() +
                         "): " + e.what());
      }
    };
    auto bad = [&](const std::string& what) -> InputError {
      return InputError(origin + ": row " + std::to_string(row) + ": " + what);
    };
    auto rendered = [&](const char* field, const FieldTemplate& t) {
      Json value = at(field, t);
      return t.names_field(doc) ? value : digits_to_number(std::move(value));
    };
    DocView v;
    v.text = rendered("doc_to_text", spec_.doc_to_text);
    if (!v.text.is_string() && !v.text.is_number_integer())
      throw bad("doc_to_text gives " + std::string(v.text.type_name()) + ", not text");
    Json choices = at("doc_to_choice", spec_.doc_to_choice);
    if (!choices.is_array()) throw bad("doc_to_choice does not give a list");
    if (choices.empty()) throw bad("doc_to_choice gives an empty list of choices");
    for (const Json& c : choices) {
      if (!c.is_string()) throw bad("doc_to_choice gives a list holding " + c.dump());
      v.choices.push_back(c.get<std::string>());
    }
    v.target = rendered("doc_to_target", spec_.doc_to_target);
    if (!v.target.is_string() && !v.target.is_number_integer())
      throw bad("doc_to_target gives " + std::string(v.target.type_name()));
    return v;
  }

  std::string description(const Json& doc, const std::string& origin, std::size_t row) const {
    if (spec_.description.empty()) return {};
    try {
      Json d = spec_.description.evaluate(doc);
      if (!d.is_string()) throw std::invalid_argument("does not give text");
      return d.get<std::string>();
    } catch (const std::invalid_argument& e) {
      throw InputError(origin + ": row " + std::to_string(row) + ": description: " + e.what());
    }
  }

 private:
  const TaskSpec& spec_;
};

}  // namespace

TaskDocs prepare_docs(const TaskSpec& spec, std::vector<Json> raw, const std::string& origin) {
  TaskDocs out;
  out.origin = origin;
  out.docs.reserve(raw.size());
  for (std::size_t row = 0; row < raw.size(); ++row) {
    try {
      out.docs.push_back(transform_doc(spec.process_docs, std::move(raw[row])));
    } catch (const std::invalid_argument& e) {
      throw InputError(origin + ": row " + std::to_string(row) + ": " + e.what() + " (for " +
                       spec.process_docs + ")");
    }
  }
  return out;
}

std::vector<DocumentRequests> build_requests(const TaskSpec& spec, const TaskDocs& evaluated,
                                             const TaskDocs& pool, int shots,
                                             std::int64_t fewshot_seed) {
  RequestBuilder builder(spec);
  // Few-shot turns are rendered once per pool document, on first use.
  std::vector<std::string> turns(pool.docs.size());
  std::vector<bool> rendered(pool.docs.size(), false);
  auto turn = [&](std::int64_t i) -> const std::string& {
    auto u = static_cast<std::size_t>(i);
    if (rendered[u]) return turns[u];
    DocView v = builder.view(pool.docs[u], pool.origin, u);
    std::string q;
    if (v.text.is_number_integer()) {  // multiple inputs: the gold choice's context
      q = v.choices[choice_index(v.text, v.choices.size(), "doc_to_text", pool.origin, u)];
      v.choices.clear();  // lm-eval answers such a turn with the target text itself
    } else {
      q = v.text.get<std::string>();
    }
    std::string answer;
    if (v.target.is_number_integer() && !v.choices.empty()) {
      answer = v.choices[choice_index(v.target, v.choices.size(), "doc_to_target", pool.origin, u)];
    } else {
      answer = v.target.is_string() ? v.target.get<std::string>() : v.target.dump();
    }
    turns[u] = answer.empty() ? q : q + spec.target_delimiter + answer + spec.fewshot_delimiter;
    rendered[u] = true;
    return turns[u];
  };

  FewShotSampler sampler(spec.sampler, static_cast<std::int64_t>(pool.docs.size()), fewshot_seed);
  std::vector<DocumentRequests> out;
  out.reserve(evaluated.docs.size());
  for (std::size_t row = 0; row < evaluated.docs.size(); ++row) {
    const Json& doc = evaluated.docs[row];
    auto bad = [&](const std::string& what) {
      return InputError(evaluated.origin + ": row " + std::to_string(row) + ": " + what);
    };
    DocView v = builder.view(doc, evaluated.origin, row);
    DocumentRequests r;
    r.doc_id = static_cast<std::int64_t>(row);
    r.target = v.target;
    r.choices = v.choices;
    for (const std::string& c : v.choices) r.choice_chars.push_back(code_points(c));

    try {
      r.fewshot = spec.fewshot_excludes_evaluated()
                      ? sampler.draw(shots,
                                     [&](std::int64_t i) {
                                       return pool.docs[static_cast<std::size_t>(i)] == doc;
                                     })
                      : sampler.draw(shots);
    } catch (const std::invalid_argument& e) {
      throw InputError(pool.origin + ": task " + spec.name + ": " + e.what());
    }
    std::string prefix = builder.description(doc, evaluated.origin, row);
    for (std::int64_t i : r.fewshot) prefix += turn(i);

    if (v.text.is_number_integer()) {  // multiple inputs: gold is doc_to_text's index
      if (!v.target.is_string()) throw bad("a multiple-input task's doc_to_target must be text");
      r.gold = static_cast<std::int32_t>(
          choice_index(v.text, v.choices.size(), "doc_to_text", evaluated.origin, row));
      for (std::size_t c = 0; c < v.choices.size(); ++c) {
        r.contexts.push_back(prefix + v.choices[c]);
        r.context_of.push_back(static_cast<std::int32_t>(c));
        r.continuations.push_back(spec.target_delimiter + v.target.get<std::string>());
      }
    } else {
      if (v.target.is_number_integer()) {
        r.gold = static_cast<std::int32_t>(
            choice_index(v.target, v.choices.size(), "doc_to_target", evaluated.origin, row));
      } else {
        const std::string& t = v.target.get_ref<const std::string&>();
        auto it = std::find(v.choices.begin(), v.choices.end(), t);
        if (it == v.choices.end())
          throw bad("doc_to_target \"" + t + "\" is not among its choices");
        r.gold = static_cast<std::int32_t>(it - v.choices.begin());
      }
      r.contexts.push_back(prefix + v.text.get<std::string>());
      for (const std::string& c : v.choices) {
        r.context_of.push_back(0);
        r.continuations.push_back(spec.target_delimiter + c);
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace mmlu
