#pragma once
// Tensor-parallel building blocks named after the split they assume (as in Megatron-LM).
#include <torch/types.h>

#include "mmlu/parallel/collectives.hpp"

namespace mmlu {

// y_local = x W_local^T (+ b_local): W split by output rows, so each rank computes its own slice
// of y's columns. No communication.
torch::Tensor column_parallel_linear(const torch::Tensor& x, const torch::Tensor& weight,
                                     const torch::Tensor& bias = {});

// y = sum over ranks of x_local W_local^T (+ b): W split by input columns, x already split the
// same way (the output of a column-parallel layer). One all-reduce; the bias, whole on every
// rank, is added once after it.
torch::Tensor row_parallel_linear(const torch::Tensor& x_local, const torch::Tensor& weight,
                                  Collectives& group, const torch::Tensor& bias = {});

// Embedding rows [first_row, first_row + rows) on this rank; ids owned elsewhere contribute
// zeros and one all-reduce assembles the full embedding.
torch::Tensor vocab_parallel_embedding(const torch::Tensor& ids, const torch::Tensor& table,
                                       std::int64_t first_row, Collectives& group);

// Log-probabilities over the whole vocabulary from this rank's logits [N, rows] (fp32): the
// normaliser comes from an all-reduce of the max and of the sum of exponentials. Columns at or
// past `vocab_size` (padding) are excluded. Returns this rank's columns of the result.
torch::Tensor vocab_parallel_log_softmax(const torch::Tensor& logits_local, std::int64_t first_row,
                                         std::int64_t vocab_size, Collectives& group);

}  // namespace mmlu
