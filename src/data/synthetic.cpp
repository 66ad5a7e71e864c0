#include "mmlu/data/synthetic.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <string_view>

#include "mmlu/util/error.hpp"
#include "mmlu/util/sha256.hpp"

namespace mmlu {
namespace {

struct SubjectShape {
  std::string_view name;
  int questions;      // MMLU test split
  int mean_question;  // approximate tokens of one question block (Llama-2 tokenizer)
};

// Test-split sizes of the original benchmark (14,042 in all). Question lengths are rough figures
// for the Llama-2 tokenizer: most subjects' blocks are 50-120 tokens, the reading passages of
// the history subjects and professional law several hundred.
constexpr SubjectShape kShapes[] = {
    {"abstract_algebra", 100, 60},
    {"anatomy", 135, 55},
    {"astronomy", 152, 75},
    {"business_ethics", 100, 90},
    {"clinical_knowledge", 265, 60},
    {"college_biology", 144, 85},
    {"college_chemistry", 100, 80},
    {"college_computer_science", 100, 120},
    {"college_mathematics", 100, 95},
    {"college_medicine", 173, 140},
    {"college_physics", 102, 95},
    {"computer_security", 100, 75},
    {"conceptual_physics", 235, 50},
    {"econometrics", 114, 105},
    {"electrical_engineering", 145, 55},
    {"elementary_mathematics", 378, 70},
    {"formal_logic", 126, 120},
    {"global_facts", 100, 60},
    {"high_school_biology", 310, 85},
    {"high_school_chemistry", 203, 85},
    {"high_school_computer_science", 100, 120},
    {"high_school_european_history", 165, 420},
    {"high_school_geography", 198, 55},
    {"high_school_government_and_politics", 193, 80},
    {"high_school_macroeconomics", 390, 70},
    {"high_school_mathematics", 270, 80},
    {"high_school_microeconomics", 238, 75},
    {"high_school_physics", 151, 110},
    {"high_school_psychology", 545, 75},
    {"high_school_statistics", 216, 130},
    {"high_school_us_history", 204, 380},
    {"high_school_world_history", 237, 400},
    {"human_aging", 223, 50},
    {"human_sexuality", 131, 60},
    {"international_law", 121, 110},
    {"jurisprudence", 108, 80},
    {"logical_fallacies", 163, 75},
    {"machine_learning", 112, 90},
    {"management", 103, 45},
    {"marketing", 234, 75},
    {"medical_genetics", 100, 60},
    {"miscellaneous", 783, 50},
    {"moral_disputes", 346, 90},
    {"moral_scenarios", 895, 85},
    {"nutrition", 306, 80},
    {"philosophy", 311, 65},
    {"prehistory", 324, 80},
    {"professional_accounting", 282, 130},
    {"professional_law", 1534, 280},
    {"professional_medicine", 272, 250},
    {"professional_psychology", 612, 95},
    {"public_relations", 110, 75},
    {"security_studies", 245, 180},
    {"sociology", 201, 80},
    {"us_foreign_policy", 100, 75},
    {"virology", 166, 60},
    {"world_religions", 171, 40},
};

constexpr int kHeaderTokens = 20;  // "The following are multiple choice questions ..."

}  // namespace

SyntheticWorkload make_synthetic_workload(std::int64_t vocab_size, std::int64_t max_seq_len,
                                          int shots, std::int64_t limit, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  SyntheticWorkload w;
  w.data.path = "synthetic";
  w.data.format = "synthetic";
  w.data.split = "test";
  // Ids away from 0..3 (special tokens in most vocabularies) but inside any vocabulary.
  const std::int64_t first_id = std::min<std::int64_t>(4, vocab_size - 1);
  std::uniform_int_distribution<std::int64_t> token(first_id, vocab_size - 1);
  for (int i = 0; i < 4; ++i) w.answer_ids[static_cast<std::size_t>(i)] = token(rng);
  auto block = [&](int mean) {
    // Lengths spread around the subject's mean (gamma, shape 4: a long right tail).
    std::gamma_distribution<double> length(4.0, mean / 4.0);
    std::vector<std::int64_t> ids(static_cast<std::size_t>(std::max(8.0, std::round(length(rng)))));
    for (auto& id : ids) id = token(rng);
    return ids;
  };
  Sha256 hash;
  for (std::size_t s = 0; s < std::size(kShapes); ++s) {
    const SubjectShape& shape = kShapes[s];
    SubjectData subject;
    subject.name = std::string(shape.name);
    std::vector<std::int64_t> prefix(static_cast<std::size_t>(kHeaderTokens));
    prefix[0] = 1;  // BOS
    for (std::size_t i = 1; i < prefix.size(); ++i) prefix[i] = token(rng);
    std::vector<std::size_t> shot_ends{prefix.size()};  // prefix length after k shots
    for (int k = 0; k < shots; ++k) {
      const auto example = block(shape.mean_question);
      prefix.insert(prefix.end(), example.begin(), example.end());
      shot_ends.push_back(prefix.size());
    }
    const int count = limit > 0 ? static_cast<int>(std::min<std::int64_t>(limit, shape.questions))
                                : shape.questions;
    // Every question is drawn, kept or not, so that the random stream, and with it every later
    // subject, is the same at any limit: --limit N keeps the first N questions of the full set.
    for (int q = 0; q < shape.questions; ++q) {
      Question question;
      question.index = q;
      question.answer = static_cast<int>(rng() % 4);
      const auto suffix = block(shape.mean_question);
      if (q >= count) continue;
      TokenizedQuestion t;
      t.subject = static_cast<std::int32_t>(s);
      t.question = q;
      int k = shots;
      while (k > 0 && static_cast<std::int64_t>(shot_ends[static_cast<std::size_t>(k)] +
                                                suffix.size()) > max_seq_len)
        --k;
      t.prompt.shots = k;
      t.prompt.ids.assign(
          prefix.begin(),
          prefix.begin() + static_cast<std::ptrdiff_t>(shot_ends[static_cast<std::size_t>(k)]));
      t.prompt.ids.insert(t.prompt.ids.end(), suffix.begin(), suffix.end());
      if (static_cast<std::int64_t>(t.prompt.ids.size()) > max_seq_len) {
        t.prompt.truncated = true;
        t.prompt.ids.erase(t.prompt.ids.begin(), t.prompt.ids.end() - max_seq_len);
      }
      subject.eval.push_back(std::move(question));
      w.questions.push_back(std::move(t));
    }
    w.data.subjects.push_back(std::move(subject));
  }
  w.data.sha256 = sha256_hex("synthetic:" + std::to_string(seed) + ":" + std::to_string(shots) +
                             ":" + std::to_string(vocab_size) + ":" + std::to_string(max_seq_len) +
                             ":" + std::to_string(limit));
  return w;
}

void keep_subjects(SyntheticWorkload& w, const std::vector<std::string>& subjects) {
  if (subjects.empty()) return;
  std::vector<std::int32_t> new_index(w.data.subjects.size(), -1);
  for (const std::string& name : subjects) {
    const auto it = std::find_if(w.data.subjects.begin(), w.data.subjects.end(),
                                 [&](const SubjectData& s) { return s.name == name; });
    if (it == w.data.subjects.end()) {
      std::string list;
      for (const auto& s : w.data.subjects) list += (list.empty() ? "" : ", ") + s.name;
      throw InputError("--subjects: no subject " + name +
                       " in the synthetic workload (MMLU's 57: " + list + ")");
    }
    new_index[static_cast<std::size_t>(it - w.data.subjects.begin())] = 0;
  }
  std::vector<SubjectData> kept;
  for (std::size_t s = 0; s < w.data.subjects.size(); ++s)
    if (new_index[s] == 0) {
      new_index[s] = static_cast<std::int32_t>(kept.size());
      kept.push_back(std::move(w.data.subjects[s]));
    }
  std::vector<TokenizedQuestion> questions;
  for (TokenizedQuestion& q : w.questions)
    if (const std::int32_t s = new_index[static_cast<std::size_t>(q.subject)]; s >= 0) {
      q.subject = s;
      questions.push_back(std::move(q));
    }
  std::string names;
  for (const auto& s : kept) names += ":" + s.name;
  w.data.subjects = std::move(kept);
  w.questions = std::move(questions);
  w.data.sha256 = sha256_hex(w.data.sha256 + ":subjects" + names);
}

}  // namespace mmlu
