// Task and group metrics against lm-eval 0.4.13's own functions (metrics.json from
// tests/fixtures/make_lm_eval_fixtures.py): means and standard errors per task, micro and macro
// group averages with their standard errors, TruthfulQA MC2's probability mass.
#include <gtest/gtest.h>

#include <filesystem>

#include "mmlu/results/task_metrics.hpp"
#include "mmlu/util/json_file.hpp"

namespace mmlu {
namespace {

const Json kCases =
    read_json_file(std::filesystem::path(MMLU_TEST_FIXTURES) / "lm_eval" / "metrics.json");

TEST(TaskMetrics, MeanAndStandardErrorAreLmEvals) {
  int compared = 0;
  for (const Json& t : kCases[0]["tasks"]) {
    const MetricSummary s = mean_with_stderr(t["values"].get<std::vector<double>>());
    EXPECT_NEAR(s.value, t["mean"].get<double>(), 1e-15);
    ASSERT_TRUE(s.standard_error.has_value());
    EXPECT_NEAR(*s.standard_error, t["stderr"].get<double>(), 1e-15);
    EXPECT_EQ(s.size, static_cast<std::int64_t>(t["values"].size()));
    ++compared;
  }
  EXPECT_EQ(compared, 6);
  EXPECT_FALSE(mean_with_stderr({1.0}).standard_error.has_value());  // lm-eval: "N/A"
}

TEST(TaskMetrics, GroupsAggregateAsLmEvalsGroups) {
  int compared = 0;
  for (const Json& g : kCases[1]["groups"]) {
    std::vector<MetricSummary> leaves;
    for (std::size_t i = 0; i < g["sizes"].size(); ++i)
      leaves.push_back({g["means"][i], g["stderrs"][i].get<double>(), g["sizes"][i]});
    const MetricSummary micro = group_summary(leaves, true);
    const MetricSummary macro = group_summary(leaves, false);
    EXPECT_NEAR(micro.value, g["micro"].get<double>(), 1e-15);
    EXPECT_NEAR(*micro.standard_error, g["micro_stderr"].get<double>(), 1e-15);
    EXPECT_NEAR(macro.value, g["macro"].get<double>(), 1e-15);
    EXPECT_NEAR(*macro.standard_error, g["macro_stderr"].get<double>(), 1e-15);
    ++compared;
  }
  EXPECT_EQ(compared, 3);
  // A leaf without a standard error leaves the group without one.
  EXPECT_FALSE(group_summary({{1.0, 0.1, 5}, {0.0, std::nullopt, 1}}, true).standard_error);
}

TEST(TaskMetrics, Mc2MassAndPredictionsAreLmEvals) {
  for (const Json& c : kCases[2]["mc2"])
    EXPECT_NEAR(mc2_probability_mass(c["loglikelihoods"].get<std::vector<double>>(),
                                     c["labels"].get<std::vector<int>>()),
                c["acc"].get<double>(), 1e-15);
  // acc_norm divides by length in characters: the longer choice wins here, and ties go to the
  // first choice, as np.argmax.
  const DocumentMetrics m = document_metrics({-10.0, -12.0, -10.0}, {2, 6, 9}, 2);
  EXPECT_EQ(m.pred, 0);
  EXPECT_EQ(m.pred_norm, 2);
  EXPECT_EQ(m.acc, 0.0);
  EXPECT_EQ(m.acc_norm, 1.0);
}

}  // namespace
}  // namespace mmlu
