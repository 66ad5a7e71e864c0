#include "mmlu/data/workload.hpp"

#include <algorithm>
#include <fstream>

#include "mmlu/data/synthetic.hpp"
#include "mmlu/util/error.hpp"
#include "mmlu/util/hash.hpp"
#include "mmlu/util/json_file.hpp"

namespace mmlu {
namespace {

// Ids the model has no row for: the tokenizer belongs to another model.
void check_vocabulary(const Workload& w, const WorkloadRequest& request) {
  auto refuse = [&](const char* what, std::int64_t id) {
    throw InputError((request.tokenizer / "tokenizer.json").string() + ": " + what + " " +
                     std::to_string(id) + " is beyond config.json's vocab_size " +
                     std::to_string(request.vocab_size) + " (a tokenizer of another model?)");
  };
  auto bad = [&](std::int64_t id) { return id < 0 || id >= request.vocab_size; };
  for (std::int64_t id : w.answer_ids)
    if (bad(id)) refuse("answer letter id", id);
  for (const auto& q : w.questions)
    for (std::int64_t id : q.prompt.ids)
      if (bad(id)) refuse("token id", id);
}

}  // namespace

const Question& Workload::source(const TokenizedQuestion& q) const {
  return data.subjects[static_cast<std::size_t>(q.subject)]
      .eval[static_cast<std::size_t>(q.question)];
}

std::int64_t Workload::prompt_tokens() const {
  std::int64_t tokens = 0;
  for (const auto& q : questions) tokens += static_cast<std::int64_t>(q.prompt.ids.size());
  return tokens;
}

std::int64_t Workload::truncated_prompts() const {
  return std::count_if(questions.begin(), questions.end(),
                       [](const TokenizedQuestion& q) { return q.prompt.truncated; });
}

Workload prepare_workload(const WorkloadRequest& request) {
  Workload w;
  w.max_seq_len = request.max_seq_len;
  if (request.synthetic) {
    if (request.selection.split != "test")
      throw InputError("--split " + request.selection.split +
                       ": the synthetic workload has MMLU's test split only");
    SyntheticWorkload synthetic = make_synthetic_workload(
        request.vocab_size, request.max_seq_len, request.selection.shots, request.selection.limit);
    keep_subjects(synthetic, request.selection.subjects);
    w.data = std::move(synthetic.data);
    w.questions = std::move(synthetic.questions);
    w.answer_ids = synthetic.answer_ids;
    w.digest = workload_digest(w);
    return w;
  }
  if (request.data.empty())
    throw InputError("--data is required (an MMLU directory or JSONL file)");
  w.data = load_dataset(request.data, request.selection);
  w.tokenizer = load_tokenizer(request.tokenizer);
  const PromptBuilder prompts(*w.tokenizer, w.max_seq_len, request.selection.shots);
  w.answer_ids = prompts.answer_ids();
  w.questions = tokenize_questions(w.data, prompts);
  check_vocabulary(w, request);
  w.digest = workload_digest(w);
  return w;
}

std::uint64_t workload_digest(const Workload& w) {
  Fnv1a h;
  for (char c : w.data.sha256) h.u64(static_cast<unsigned char>(c));
  for (std::int64_t id : w.answer_ids) h.u64(static_cast<std::uint64_t>(id));
  for (const auto& q : w.questions) {
    h.u64(q.prompt.ids.size());
    for (std::int64_t id : q.prompt.ids) h.u64(static_cast<std::uint64_t>(id));
  }
  return h.value();
}

void dump_prompts(const std::filesystem::path& path, const Workload& w) {
  std::ofstream out(path);
  if (!out) throw InputError(path.string() + ": cannot be written");
  for (const auto& q : w.questions) {
    const auto& subject = w.data.subjects[static_cast<std::size_t>(q.subject)];
    const Question& source = w.source(q);
    Json line = {
        {"subject", subject.name}, {"index", source.index},           {"gold", source.answer},
        {"shots", q.prompt.shots}, {"truncated", q.prompt.truncated}, {"answer_ids", w.answer_ids},
        {"ids", q.prompt.ids}};
    out << line.dump() << "\n";
  }
  out.close();
  if (!out) throw Error(path.string() + ": write failed");
}

}  // namespace mmlu
