#include "mmlu/parallel/planner.hpp"

#include <gtest/gtest.h>

#include "mmlu/util/error.hpp"
#include "mmlu/util/units.hpp"
#include "test_configs.hpp"

namespace mmlu {
namespace {

using test::llama2_13b;
using test::llama2_7b;
using test::llama3_8b;
using test::llama_config;

PlanRequest request(const ModelConfig& config, DType dtype, int world, int per_node,
                    const std::string& memory, int tp = 0) {
  PlanRequest r;
  r.config = config;
  r.dtype = dtype;
  r.world_size = world;
  r.ranks_per_node = per_node;
  r.device_memory_bytes = parse_byte_size(memory, "test");
  r.on_gpu = true;
  r.requested_tp = tp;
  return r;
}

std::string refusal(const PlanRequest& r) {
  try {
    make_plan(r);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Planner, ParameterCountsMatchPublishedModels) {
  EXPECT_EQ(parameter_count(llama2_7b()), 6738415616ull);
  EXPECT_EQ(parameter_count(llama2_13b()), 13015864320ull);
  EXPECT_EQ(parameter_count(llama3_8b()), 8030261248ull);
}

TEST(Planner, ShardsSplitColumnsRowsAndPaddedVocabulary) {
  const ModelConfig c = llama2_13b();
  const auto one = shard_footprint(c, DType::kFloat16, 1, 4096, true);
  EXPECT_EQ(one.weight_bytes, parameter_count(c) * 2);
  const auto two = shard_footprint(c, DType::kFloat16, 2, 4096, true);
  // Only the norms are replicated.
  const std::uint64_t norms = (2 * 40 + 1) * 5120;
  EXPECT_EQ(two.weight_bytes, ((parameter_count(c) - norms) / 2 + norms) * 2);

  ModelConfig odd = llama_config(64, 128, 2, 4, 4, 32001);
  EXPECT_EQ(vocab_rows_per_rank(odd, 2), 16001);
  EXPECT_EQ(vocab_rows_per_rank(odd, 4), 8001);
}

TEST(Planner, KvHeadsAreSlicedOrReplicated) {
  const ModelConfig c = llama3_8b();  // 8 kv heads
  EXPECT_EQ(kv_heads_per_rank(c, 1), 8);
  EXPECT_EQ(kv_heads_per_rank(c, 4), 2);
  EXPECT_EQ(kv_heads_per_rank(c, 8), 1);
  EXPECT_EQ(kv_heads_per_rank(c, 16), 1);
}

TEST(Planner, Llama13bOnEight80GbDevicesIsPureDataParallel) {
  const Plan p = make_plan(request(llama2_13b(), DType::kFloat16, 8, 8, "80GB"));
  EXPECT_EQ(p.tp, 1);
  EXPECT_EQ(p.dp, 8);
  EXPECT_TRUE(p.warnings.empty());
}

TEST(Planner, Llama13bOnEight40GbDevices) {
  // fp16 weights are 24.2 GiB: one device of 40 GB holds a copy with room for the batch.
  const Plan fp16 = make_plan(request(llama2_13b(), DType::kFloat16, 8, 8, "40GB"));
  EXPECT_EQ(fp16.tp, 1);
  EXPECT_EQ(fp16.dp, 8);
  // fp32 weights are 48.5 GiB: two devices per copy.
  const Plan fp32 = make_plan(request(llama2_13b(), DType::kFloat32, 8, 8, "40GB"));
  EXPECT_EQ(fp32.tp, 2);
  EXPECT_EQ(fp32.dp, 4);
  EXPECT_LE(fp32.footprint.peak_bytes(), fp32.usable_bytes);
  EXPECT_GT(shard_footprint(llama2_13b(), DType::kFloat32, 1, 4096, true).peak_bytes(),
            fp32.usable_bytes);
}

TEST(Planner, AutoPicksTheSmallestValidTpThatFits) {
  int planned = 0, refused = 0;
  for (const std::string memory : {"4GB", "6GB", "12GB", "16GB", "24GB", "40GB", "80GB"}) {
    for (DType dtype : {DType::kFloat16, DType::kFloat32}) {
      const PlanRequest r = request(llama2_13b(), dtype, 8, 8, memory);
      Plan p;
      try {
        p = make_plan(r);
      } catch (const InputError&) {
        // Nothing fits: then not even the largest valid tp may fit.
        EXPECT_GT(shard_footprint(r.config, dtype, 8, 4096, true).peak_bytes(),
                  static_cast<std::uint64_t>(r.device_memory_bytes * kUsableMemoryFraction));
        ++refused;
        continue;
      }
      ++planned;
      EXPECT_LE(p.footprint.peak_bytes(), p.usable_bytes) << memory;
      for (int smaller : structurally_valid_tps(r.config, 8, 8)) {
        if (smaller >= p.tp) break;
        EXPECT_GT(shard_footprint(r.config, dtype, smaller, 4096, true).peak_bytes(),
                  p.usable_bytes)
            << memory << " tp " << smaller << " would have fit";
      }
    }
  }
  // 8 x 4 GB hold 13B in neither dtype; 8 x 6 GB hold fp16 (3.3 GB of weights a rank) but not
  // fp32 (6.5 GB); every larger device holds both.
  EXPECT_EQ(refused, 3);
  EXPECT_EQ(planned, 11);
}

TEST(Planner, OverPartitioningRunsWithAWarningNamingTheRecommendedLayout) {
  const Plan p = make_plan(request(llama2_13b(), DType::kFloat16, 8, 8, "80GB", 8));
  EXPECT_EQ(p.tp, 8);
  EXPECT_EQ(p.dp, 1);
  EXPECT_EQ(p.recommended_tp, 1);
  ASSERT_EQ(p.warnings.size(), 1u);
  EXPECT_NE(p.warnings[0].find("--tp 1 (dp=8)"), std::string::npos) << p.warnings[0];
}

TEST(Planner, RefusesTpNotDividingTheWorldWithNearestChoices) {
  const std::string why = refusal(request(llama2_13b(), DType::kFloat16, 8, 8, "80GB", 3));
  EXPECT_NE(why.find("--tp 3 does not divide the world size 8"), std::string::npos) << why;
  EXPECT_NE(why.find("nearest valid choices: 2, 4"), std::string::npos) << why;
}

TEST(Planner, WorldSizesThatDoNotDivide) {
  // 6 ranks, 40 heads: only tp 1 and 2 divide both.
  EXPECT_EQ(structurally_valid_tps(llama2_13b(), 6, 6), (std::vector<int>{1, 2}));
  const std::string why = refusal(request(llama2_13b(), DType::kFloat16, 6, 6, "80GB", 4));
  EXPECT_NE(why.find("does not divide the world size 6"), std::string::npos) << why;
  EXPECT_NE(why.find("nearest valid choices: 2"), std::string::npos) << why;
  EXPECT_EQ(make_plan(request(llama2_13b(), DType::kFloat16, 6, 6, "24GB")).tp, 2);
}

TEST(Planner, RefusesTpNotDividingHeads) {
  const ModelConfig c = llama_config(768, 3072, 2, 12, 4);
  EXPECT_NE(refusal(request(c, DType::kFloat32, 8, 8, "80GB", 8)).find("num_attention_heads 12"),
            std::string::npos);
  // 3 divides 12 heads but neither divides nor is a multiple of 4 kv heads.
  const std::string why = refusal(request(c, DType::kFloat32, 6, 6, "80GB", 3));
  EXPECT_NE(why.find("num_key_value_heads 4"), std::string::npos) << why;
}

TEST(Planner, GqaAllowsTpBeyondKvHeadsByReplication) {
  const Plan p = make_plan(request(llama3_8b(), DType::kBFloat16, 16, 16, "80GB", 16));
  EXPECT_EQ(p.tp, 16);
  EXPECT_EQ(kv_heads_per_rank(llama3_8b(), 16), 1);
}

TEST(Planner, RefusesTpLargerThanANode) {
  const std::string why = refusal(request(llama2_13b(), DType::kFloat16, 8, 4, "80GB", 8));
  EXPECT_NE(why.find("ranks per node"), std::string::npos) << why;
}

TEST(Planner, RefusesExplicitTpThatDoesNotFitAndNamesTheOneThatDoes) {
  const PlanRequest auto_request = request(llama2_13b(), DType::kFloat16, 8, 8, "16GB");
  const int fitting = make_plan(auto_request).tp;
  EXPECT_GT(fitting, 1);
  PlanRequest r = auto_request;
  r.requested_tp = 1;
  const std::string why = refusal(r);
  EXPECT_NE(why.find("smallest tp that fits: " + std::to_string(fitting)), std::string::npos)
      << why;
}

TEST(Planner, RefusesAModelThatFitsNowhere) {
  const std::string why = refusal(request(llama2_13b(), DType::kFloat32, 1, 1, "16GB"));
  EXPECT_NE(why.find("does not fit"), std::string::npos) << why;
}

}  // namespace
}  // namespace mmlu
