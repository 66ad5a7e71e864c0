// Continuation scoring end to end against lm-evaluation-harness 0.4.13's HF backend
// (tests/fixtures/make_task_fixtures.py: scores.json): built-in task files, documents in hub
// layout, lm-eval's tokenisation of each (context, continuation) pair, a tiny Llama with a
// SentencePiece-style vocabulary and a tiny Qwen2 with a byte-level BPE and Chinese prompts, on
// the CPU in fp32. Every document's log-likelihoods, is_greedy, acc and acc_norm (mc2's
// probability mass for truthfulqa_mc2) at 0 and 5 shots.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mmlu/checkpoint/model_config.hpp"
#include "mmlu/checkpoint/safetensors.hpp"
#include "mmlu/data/encode_pair.hpp"
#include "mmlu/data/task_requests.hpp"
#include "mmlu/data/task_spec.hpp"
#include "mmlu/eval/loglikelihood.hpp"
#include "mmlu/parallel/collectives.hpp"
#include "mmlu/results/task_metrics.hpp"
#include "mmlu/tokenizer/tokenizer.hpp"
#include "mmlu/util/json_file.hpp"
#include "task_fixtures.hpp"

namespace mmlu {
namespace {

namespace fs = std::filesystem;
using test::kTaskFixtures;
using test::read_split;
using test::task_file;

// lm-eval's own batch-size noise is up to 6e-5 where sums reach a few hundred nats.
double tolerance(double ll) {
  return 1e-4 + 1e-6 * std::abs(ll);
}

struct Loaded {
  std::unique_ptr<Collectives> group = make_single_rank_collectives();
  std::unique_ptr<LlamaModel> model;
  std::unique_ptr<Tokenizer> tokenizer;
};

Loaded load(const std::string& name) {
  const fs::path dir = kTaskFixtures / "models" / name;
  Loaded l;
  const ModelConfig config = load_model_config(dir);
  Checkpoint checkpoint(dir);
  l.model = std::make_unique<LlamaModel>(
      config, load_llama_shard(checkpoint, config, {0, 1, torch::kFloat32, torch::kCPU}),
      shard_layout(config, 0, 1), *l.group);
  l.tokenizer = load_tokenizer(dir);
  return l;
}

TEST(Loglikelihood, EveryDocumentScoresAsLmEvalsHfBackend) {
  const Json cases = read_json_file(kTaskFixtures / "scores.json");
  std::map<std::string, Loaded> models;
  int documents = 0, choices = 0, letter_documents = 0;
  double worst = 0;
  for (const Json& c : cases) {
    const std::string model_name = c["model"], name = c["task"];
    const int shots = c["shots"];
    if (!models.count(model_name)) models.emplace(model_name, load(model_name));
    Loaded& m = models.at(model_name);
    const TaskSpec spec = read_task_file(task_file(name));
    const TaskDocs evaluated = read_split(spec, spec.evaluated_split());
    const auto requests = build_requests(
        spec, evaluated, read_split(spec, spec.fewshot_pool_split()), spec.shots(shots), 1234);
    std::vector<LoglikelihoodDocument> docs;
    for (const DocumentRequests& r : requests) {
      LoglikelihoodDocument d;
      for (std::size_t i = 0; i < r.continuations.size(); ++i) {
        const std::string& context = r.contexts[static_cast<std::size_t>(r.context_of[i])];
        const EncodedPair pair = encode_pair(*m.tokenizer, context, r.continuations[i]);
        if (d.contexts.size() <= static_cast<std::size_t>(r.context_of[i]))
          d.contexts.push_back(pair.context);
        EXPECT_EQ(d.contexts[static_cast<std::size_t>(r.context_of[i])], pair.context);
        d.choices.push_back({r.context_of[i], pair.continuation});
      }
      docs.push_back(std::move(d));
    }
    const auto scores = score_loglikelihoods(*m.model, docs, {4096, 1024, true});
    if (is_letter_document(docs.at(0), 1024)) {
      // The letter path (many documents to a batch, a shared prefix) against the per-document
      // continuation path: one arithmetic, so they agree to rounding.
      letter_documents += static_cast<int>(docs.size());
      const auto slow = score_loglikelihoods(*m.model, docs, {4096, 1024, false});
      for (std::size_t d = 0; d < docs.size(); ++d)
        for (std::size_t i = 0; i < slow[d].size(); ++i) {
          EXPECT_NEAR(scores[d][i].loglikelihood, slow[d][i].loglikelihood, 2e-5) << name;
          EXPECT_EQ(scores[d][i].is_greedy, slow[d][i].is_greedy) << name;
        }
    }
    ASSERT_EQ(scores.size(), c["docs"].size()) << name;
    for (std::size_t d = 0; d < scores.size(); ++d) {
      const Json& want = c["docs"][d];
      const std::string where =
          model_name + " " + name + " " + std::to_string(shots) + "-shot doc " + std::to_string(d);
      ASSERT_EQ(scores[d].size(), want["loglikelihoods"].size()) << where;
      std::vector<double> ll;
      for (std::size_t i = 0; i < scores[d].size(); ++i) {
        const double theirs = want["loglikelihoods"][i];
        EXPECT_NEAR(scores[d][i].loglikelihood, theirs, tolerance(theirs)) << where << " " << i;
        EXPECT_EQ(scores[d][i].is_greedy, want["is_greedy"][i].get<bool>()) << where << " " << i;
        worst = std::max(worst, std::abs(scores[d][i].loglikelihood - theirs));
        ll.push_back(scores[d][i].loglikelihood);
        ++choices;
      }
      if (spec.process_results == "mc2") {
        std::vector<int> labels;
        for (const Json& label : evaluated.docs[d]["mc2_targets"]["labels"])
          labels.push_back(label.get<int>());
        EXPECT_NEAR(mc2_probability_mass(ll, labels), want["acc"].get<double>(), 1e-4) << where;
      } else {
        const DocumentMetrics metrics =
            document_metrics(ll, requests[d].choice_chars, requests[d].gold);
        EXPECT_EQ(metrics.acc, want["acc"].get<double>()) << where;
        if (want.contains("acc_norm"))
          EXPECT_EQ(metrics.acc_norm, want["acc_norm"].get<double>()) << where;
      }
      ++documents;
    }
  }
  std::printf("  %d documents, %d choices; max |ours - lm-eval| %.2e nats\n", documents, choices,
              worst);
  EXPECT_EQ(documents, 266);
  // MMLU, CMMLU, C-Eval, MMLU-Pro: each tokenizer makes their letters one token.
  EXPECT_EQ(letter_documents, 2 * (6 + 6 + 6 + 6) + 2 * (6 + 6));
}

}  // namespace
}  // namespace mmlu
