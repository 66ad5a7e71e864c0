// The task layer's building blocks against lm-evaluation-harness itself
// (tests/fixtures/make_lm_eval_fixtures.py): CPython's generator, lm-eval's few-shot samplers and
// its HF backend's context/continuation tokens.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "mmlu/data/encode_pair.hpp"
#include "mmlu/data/fewshot_sampler.hpp"
#include "mmlu/data/python_random.hpp"
#include "mmlu/util/json_file.hpp"

namespace mmlu {
namespace {

const std::filesystem::path kFixtures = MMLU_TEST_FIXTURES;
using Ids = std::vector<std::int64_t>;

TEST(PythonRandom, EveryDrawIsCPythons) {
  const Json cases = read_json_file(kFixtures / "lm_eval" / "python_random.json");
  int compared = 0;
  for (const Json& c : cases) {
    PythonRandom rnd(c["seed"].get<std::int64_t>());
    for (const Json& d : c["draws"]) {
      const std::string op = d["op"];
      const std::string where = "seed " + c["seed"].dump() + " " + op + " " + d["arg"].dump();
      if (op == "getrandbits") {
        EXPECT_EQ(std::to_string(rnd.getrandbits(d["arg"].get<int>())),
                  d["value"].get<std::string>())
            << where;
      } else if (op == "randbelow") {
        EXPECT_EQ(rnd.randbelow(d["arg"].get<std::uint64_t>()), d["value"].get<std::uint64_t>())
            << where;
      } else {
        EXPECT_EQ(rnd.sample(d["arg"][0].get<std::int64_t>(), d["arg"][1].get<std::int64_t>()),
                  d["value"].get<Ids>())
            << where;
      }
      ++compared;
    }
  }
  EXPECT_EQ(compared, 6 * 17);
}

TEST(PythonRandom, RefusesASampleLargerThanItsPopulation) {
  PythonRandom rnd(1);
  EXPECT_THROW(rnd.sample(3, 4), std::invalid_argument);
  EXPECT_THROW(rnd.sample(3, -1), std::invalid_argument);
  EXPECT_THROW(rnd.randbelow(0), std::invalid_argument);
}

TEST(FewShotSampler, DrawsWhatLmEvalsSamplersDraw) {
  const Json cases = read_json_file(kFixtures / "lm_eval" / "fewshot.json");
  int compared = 0;
  for (const Json& c : cases) {
    const Json& docs = c["docs"];
    const auto kind =
        c["sampler"] == "first_n" ? FewShotSampling::first_n : FewShotSampling::random;
    FewShotSampler sampler(kind, static_cast<std::int64_t>(docs.size()), c["seed"]);
    const bool same_split = c["same_split"];
    const int k = c["k"];
    for (std::size_t evaluated = 0; evaluated < c["draws"].size(); ++evaluated) {
      // lm-eval compares whole documents: the fixture's docs 3 and 4 are equal.
      auto equals_evaluated = [&](std::int64_t i) {
        return docs[static_cast<std::size_t>(i)] == docs[evaluated];
      };
      const Ids got = same_split ? sampler.draw(k, equals_evaluated) : sampler.draw(k);
      EXPECT_EQ(got, c["draws"][evaluated].get<Ids>())
          << c["sampler"] << " same_split " << same_split << " k " << k << " doc " << evaluated;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 2 * 2 * 3 * 12);
}

TEST(FewShotSampler, RefusesWhereLmEvalFails) {
  // random.sample(docs, k + 1) needs k + 1 documents when the evaluated split is the pool.
  FewShotSampler random(FewShotSampling::random, 5, 1234);
  EXPECT_THROW(random.draw(5, [](std::int64_t) { return false; }), std::invalid_argument);
  EXPECT_EQ(random.draw(5).size(), 5u);
  EXPECT_THROW(random.draw(kMaxShots + 1), std::invalid_argument);
  FewShotSampler first(FewShotSampling::first_n, 3, 1234);
  EXPECT_THROW(first.draw(4), std::invalid_argument);
  EXPECT_TRUE(first.draw(0).empty());
}

TEST(EncodePair, ScoredTokensAreLmEvalsHfBackends) {
  const Json cases = read_json_file(kFixtures / "lm_eval" / "encode_pair.json");
  int compared = 0;
  std::string loaded_style;
  std::unique_ptr<Tokenizer> tokenizer;
  for (const Json& c : cases) {
    const std::string style = c["tokenizer"];
    if (style != loaded_style) {
      tokenizer = load_tokenizer(kFixtures / "tokenizers" / style);
      loaded_style = style;
    }
    const std::string context = c["context"];
    const std::string continuation = c["continuation"];
    const EncodedPair pair = encode_pair(*tokenizer, context, continuation);
    EXPECT_EQ(pair.context, c["context_ids"].get<Ids>()) << style << ": " << context;
    EXPECT_EQ(pair.continuation, c["continuation_ids"].get<Ids>()) << style << ": " << context;
    ++compared;
  }
  EXPECT_EQ(compared, 5 * 11);
}

TEST(EncodePair, TrailingWhitespaceIsWhatPythonStrips) {
  EXPECT_EQ(trailing_space_bytes("Answer:"), 0u);
  EXPECT_EQ(trailing_space_bytes("Answer: \t\n"), 3u);
  EXPECT_EQ(trailing_space_bytes("x\u3000\u00a0"), 5u);  // 3 + 2 bytes
  EXPECT_EQ(trailing_space_bytes("x\x1f"), 1u);          // a separator Python counts as space
  EXPECT_EQ(trailing_space_bytes("  "), 2u);
  EXPECT_EQ(trailing_space_bytes("a b"), 0u);
  EXPECT_EQ(trailing_space_bytes(""), 0u);
}

}  // namespace
}  // namespace mmlu
