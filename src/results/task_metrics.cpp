#include "mmlu/results/task_metrics.hpp"

#include <cmath>
#include <stdexcept>

namespace mmlu {
namespace {

std::int32_t first_argmax(const std::vector<double>& v) {
  std::int32_t best = 0;
  for (std::size_t i = 1; i < v.size(); ++i)
    if (v[i] > v[static_cast<std::size_t>(best)]) best = static_cast<std::int32_t>(i);
  return best;
}

}  // namespace

DocumentMetrics document_metrics(const std::vector<double>& loglikelihoods,
                                 const std::vector<std::int64_t>& choice_chars, std::int32_t gold) {
  if (loglikelihoods.empty() || loglikelihoods.size() != choice_chars.size())
    throw std::invalid_argument("one log-likelihood and one length per choice");
  std::vector<double> normalised(loglikelihoods.size());
  for (std::size_t i = 0; i < loglikelihoods.size(); ++i)
    normalised[i] = loglikelihoods[i] / static_cast<double>(choice_chars[i]);
  DocumentMetrics m;
  m.pred = first_argmax(loglikelihoods);
  m.pred_norm = first_argmax(normalised);
  m.acc = m.pred == gold ? 1.0 : 0.0;
  m.acc_norm = m.pred_norm == gold ? 1.0 : 0.0;
  return m;
}

double mc2_probability_mass(const std::vector<double>& loglikelihoods,
                            const std::vector<int>& labels) {
  if (loglikelihoods.size() != labels.size()) throw std::invalid_argument("one label per choice");
  double total = 0, truth = 0;
  for (std::size_t i = 0; i < loglikelihoods.size(); ++i) total += std::exp(loglikelihoods[i]);
  for (std::size_t i = 0; i < loglikelihoods.size(); ++i)
    if (labels[i] == 1) truth += std::exp(loglikelihoods[i]) / total;
  return truth;
}

MetricSummary mean_with_stderr(const std::vector<double>& per_document) {
  MetricSummary s;
  s.size = static_cast<std::int64_t>(per_document.size());
  if (per_document.empty()) return s;
  double sum = 0;
  for (double x : per_document) sum += x;
  s.value = sum / static_cast<double>(s.size);
  if (s.size < 2) return s;
  double squares = 0;
  for (double x : per_document) squares += (x - s.value) * (x - s.value);
  s.standard_error =
      std::sqrt(squares / static_cast<double>(s.size - 1)) / std::sqrt(static_cast<double>(s.size));
  return s;
}

MetricSummary group_summary(const std::vector<MetricSummary>& leaves, bool weight_by_size) {
  MetricSummary g;
  if (leaves.empty()) return g;
  double weighted = 0, weights = 0;
  bool all_have_stderr = true;
  for (const MetricSummary& t : leaves) {
    const double w = weight_by_size ? static_cast<double>(t.size) : 1.0;
    weighted += t.value * w;
    weights += w;
    g.size += t.size;
    all_have_stderr = all_have_stderr && t.standard_error.has_value();
  }
  g.value = weighted / weights;
  if (!all_have_stderr) return g;
  if (weight_by_size) {
    double pooled = 0;
    for (const MetricSummary& t : leaves)
      pooled += static_cast<double>(t.size - 1) * *t.standard_error * *t.standard_error *
                static_cast<double>(t.size);
    pooled /= static_cast<double>(g.size) - static_cast<double>(leaves.size());
    g.standard_error = std::sqrt(pooled / static_cast<double>(g.size));
  } else {
    double squares = 0;
    for (const MetricSummary& t : leaves) squares += *t.standard_error * *t.standard_error;
    g.standard_error = std::sqrt(squares) / static_cast<double>(leaves.size());
  }
  return g;
}

}  // namespace mmlu
