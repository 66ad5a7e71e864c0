#pragma once
// The command line and INI files of mmlu_eval (Boost.Program_options). INI keys are the long
// option names; the command line wins over the file.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "mmlu/checkpoint/dtype.hpp"

namespace mmlu {

struct Options {
  bool help = false;
  bool version = false;
  std::filesystem::path config;  // the INI file that was read, if any
  std::filesystem::path model;
  std::filesystem::path data;
  std::filesystem::path out;
  int tp = 0;  // 0 = auto
  std::optional<std::vector<int>> devices;
  std::optional<std::uint64_t> device_memory;
  std::optional<DType> dtype;  // empty = auto: the checkpoint's torch_dtype
  bool plan = false;
  std::int64_t max_batch_tokens = 4096;
  std::string split = "test";
  std::vector<std::string> subjects;  // empty: all
  std::int64_t limit = 0;             // 0: all questions
  int shots = 5;
  std::int64_t max_seq_len = 0;  // 0: the model's max_position_embeddings
  bool overwrite = false;
  bool resume = false;              // skip questions saved in OUT.partial/ by an earlier attempt
  int flush_every_batches = 16;     // save finished questions at least this often
  double flush_every_seconds = 60;  // ... and this often
  int stall_timeout_seconds = 600;  // 0: no watchdog
  bool prefix_reuse = true;
  bool split_prefix_attention = true;  // --prefix-attention split (else concat)
  std::filesystem::path dump_prompts;  // non-empty: write the prompts' ids there and stop
  bool synthetic_weights = false;      // random weights of config.json's shape
  bool synthetic_data = false;         // MMLU-shaped random-token workload
  std::string progress = "auto";       // auto, bar, lines, none
  std::filesystem::path profile;       // non-empty: rank 0 writes a Kineto trace there
  int profile_batches = 8;             // ... of this many batches, after two of warm-up
};

// Parses argv. When neither --config nor --model is given, `default_config` (if it exists)
// supplies the defaults: that is how a bare `mmlu_eval` runs the embedded model. Relative paths
// in an INI file are relative to the file. Throws InputError naming the option or file.
Options parse_options(int argc, const char* const* argv,
                      const std::filesystem::path& default_config);

// Parses --devices "0,1,3". Throws InputError naming --devices.
std::vector<int> parse_device_list(const std::string& text);

// The --help text: every option with its default.
std::string options_help();

}  // namespace mmlu
