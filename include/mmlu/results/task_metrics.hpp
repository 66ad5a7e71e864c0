#pragma once
// A task's numbers as lm-evaluation-harness 0.4 computes them, so that they stay comparable with
// a team's lm-eval history: per document the predictions and acc / acc_norm
// (ConfigurableTask.process_results) or TruthfulQA MC2's probability mass (process_results_mc2);
// per task the mean and its standard error (mean_stderr: the sample standard deviation over
// sqrt(n)); per group the leaf tasks' means weighted by size or not, with the pooled or the
// unweighted-mean standard error (Group.aggregate).
#include <cstdint>
#include <optional>
#include <vector>

namespace mmlu {

struct DocumentMetrics {
  std::int32_t pred = 0;       // argmax of the log-likelihoods, the first of equals (np.argmax)
  std::int32_t pred_norm = 0;  // argmax of each log-likelihood over its choice's length in
                               // characters (code points, Python's len)
  double acc = 0;
  double acc_norm = 0;
};

DocumentMetrics document_metrics(const std::vector<double>& loglikelihoods,
                                 const std::vector<std::int64_t>& choice_chars, std::int32_t gold);

// exp(ll) normalised over the choices, summed over the true ones (labels 1), computed as lm-eval
// does, without rescaling: where every exp underflows, lm-eval's NaN is ours too.
double mc2_probability_mass(const std::vector<double>& loglikelihoods,
                            const std::vector<int>& labels);

struct MetricSummary {
  double value = 0;
  std::optional<double> standard_error;  // none below two documents (lm-eval's "N/A")
  std::int64_t size = 0;                 // documents
};

MetricSummary mean_with_stderr(const std::vector<double>& per_document);

// A group over its leaf tasks: the size-weighted mean with the pooled standard error
// (weight_by_size, MMLU's micro average), or the plain mean of the task means with
// sqrt(sum se^2) / k. No standard error when a leaf has none.
MetricSummary group_summary(const std::vector<MetricSummary>& leaves, bool weight_by_size);

}  // namespace mmlu
