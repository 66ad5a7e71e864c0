#include "mmlu/app/options.hpp"

#include <boost/program_options.hpp>

#include <fstream>
#include <set>
#include <sstream>
#include <string_view>

#include "mmlu/util/error.hpp"
#include "mmlu/util/split.hpp"
#include "mmlu/util/units.hpp"

namespace po = boost::program_options;

namespace mmlu {
namespace {

po::options_description describe() {
  po::options_description d("mmlu_eval options (INI files take the same long names as keys)");
  // clang-format off
  d.add_options()
    ("help,h", "print this help and exit")
    ("version", "print the program version and exit")
    ("config", po::value<std::string>(),
     "INI file of options; the command line wins over it. Without --config and --model, "
     "configs/default.ini (the embedded model and data) is read")
    ("model", po::value<std::string>(),
     "Hugging Face checkpoint directory: config.json, *.safetensors, tokenizer")
    ("data", po::value<std::string>(),
     "MMLU data: a directory of dev/ val/ test/ CSV files, or a JSONL file")
    ("out", po::value<std::string>()->default_value("results/mmlu.h5"), "results file (HDF5)")
    ("tp", po::value<std::string>()->default_value("auto"),
     "tensor-parallel degree: N, or auto for the smallest that fits (the rest is data parallel)")
    ("devices", po::value<std::string>(),
     "CUDA ordinals for node-local ranks 0,1,..., e.g. 0,1,2,3 (default: local rank indexes "
     "the visible devices)")
    ("device-memory", po::value<std::string>(),
     "memory per device for planning, e.g. 80GiB or 40GB (default: detected)")
    ("dtype", po::value<std::string>()->default_value("auto"),
     "run dtype: auto (the checkpoint's torch_dtype), fp32, bf16 or fp16")
    ("plan", po::bool_switch(), "print the per-rank layout plan and exit")
    ("max-batch-tokens", po::value<std::int64_t>()->default_value(4096),
     "most prompt tokens in one forward batch (sizes the activation and KV budget)")
    ("split", po::value<std::string>()->default_value("test"), "evaluated split: test or val")
    ("subjects", po::value<std::string>(), "comma-separated subjects (default: all found)")
    ("limit", po::value<std::int64_t>()->default_value(0),
     "evaluate only the first N questions of each subject (0: all)")
    ("shots", po::value<int>()->default_value(5), "few-shot examples per prompt (dev rows)")
    ("max-seq-len", po::value<std::int64_t>()->default_value(0),
     "longest prompt in tokens; longer ones drop shots from the end (0: the model's "
     "max_position_embeddings)")
    ("overwrite", po::bool_switch(),
     "replace an existing results file, and discard partial results of an earlier run")
    ("resume", po::bool_switch(),
     "continue an interrupted run: questions saved in OUT.partial/ are not run again (starts "
     "afresh when there are none)")
    ("flush-every", po::value<int>()->default_value(16),
     "save finished questions to OUT.partial/ at least every N batches")
    ("flush-seconds", po::value<double>()->default_value(60),
     "... and at least every S seconds")
    ("stall-timeout", po::value<int>()->default_value(600),
     "end the job (exit 4) when a rank makes no progress for S seconds during evaluation: a "
     "peer that hangs or a collective that never completes (0: never)")
    ("dump-prompts", po::value<std::string>(),
     "write every prompt's token ids as JSON Lines to FILE and stop (debugging; benchmarks)")
    ("prefix-attention", po::value<std::string>()->default_value("split"),
     "how suffixes attend to a shared prefix: split (two fused attentions merged by "
     "log-sum-exp) or concat (one masked attention over prefix and suffix keys)")
    ("no-prefix-reuse", po::bool_switch(),
     "compute every prompt whole instead of running each subject's shared few-shot prefix once")
    ("synthetic-weights", po::bool_switch(),
     "random weights of --model's config.json shape, made on the device (benchmarks; no "
     "checkpoint needed)")
    ("synthetic-data", po::bool_switch(),
     "an MMLU-shaped workload of random tokens (57 subjects, 14,042 questions; benchmarks; no "
     "data or tokenizer needed)")
    ("progress", po::value<std::string>()->default_value("auto"),
     "progress on rank 0: auto (a bar on a terminal, else lines), bar, lines or none")
    ("profile", po::value<std::string>(),
     "write a Kineto trace (host operators, device kernels) of rank 0's evaluation to FILE, "
     "Chrome trace JSON: batches 3 to 2+N (scripts/trace_summary.py summarises it)")
    ("profile-batches", po::value<int>()->default_value(8), "N, the batches --profile records");
  // clang-format on
  return d;
}

std::filesystem::path path_option(const po::variables_map& vm, const po::variables_map& cmd,
                                  const char* key, const std::filesystem::path& config_dir) {
  if (!vm.count(key)) return {};
  std::filesystem::path p = vm[key].as<std::string>();
  // `cmd` holds defaults too (stored as defaulted): only a value typed on the command line wins.
  const bool typed = cmd.count(key) && !cmd[key].defaulted();
  const bool from_file = !typed && !vm[key].defaulted();
  if (from_file && p.is_relative()) p = config_dir / p;
  return p.lexically_normal();
}

// Boost.Program_options 1.74's error_with_option_name::what() never returns when an option's
// value holds "%value%": its placeholder substitution keeps finding the text it just inserted
// (found by fuzzing INI files). Where the input holds a '%', the option is named without it.
std::string message_of(const po::error& e, bool input_has_percent) {
  if (input_has_percent)
    if (const auto* named = dynamic_cast<const po::error_with_option_name*>(&e))
      return "invalid value or syntax for option '" + named->get_option_name() + "'";
  return e.what();
}

bool has_percent(int argc, const char* const* argv) {
  for (int i = 0; i < argc; ++i)
    if (std::string_view(argv[i]).find('%') != std::string_view::npos) return true;
  return false;
}

}  // namespace

std::vector<int> parse_device_list(const std::string& text) {
  std::vector<int> devices;
  for (const std::string& item : split_commas(text)) {
    char* end = nullptr;
    long value = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || value < 0 || value > 1023)
      throw InputError("--devices: expected device ordinals such as 0,1,2,3, got '" + text + "'");
    devices.push_back(static_cast<int>(value));
  }
  if (devices.empty()) throw InputError("--devices: empty device list");
  if (std::set<int>(devices.begin(), devices.end()).size() != devices.size())
    throw InputError("--devices: device listed twice in '" + text + "'");
  return devices;
}

std::string options_help() {
  std::ostringstream out;
  out << "Usage: mpirun -np N mmlu_eval [--config FILE] [--model DIR --data PATH] [options]\n\n"
      << describe();
  return out.str();
}

Options parse_options(int argc, const char* const* argv,
                      const std::filesystem::path& default_config) {
  const po::options_description d = describe();
  po::variables_map cmd, vm;
  bool percent = has_percent(argc, argv);
  try {
    auto parsed = po::command_line_parser(argc, argv).options(d).run();
    po::store(parsed, cmd);
    po::store(parsed, vm);
  } catch (const po::error& e) {
    throw InputError(message_of(e, percent) + " (see --help)");
  }

  Options o;
  o.help = vm.count("help") > 0;
  o.version = vm.count("version") > 0;
  if (o.help || o.version) return o;

  std::error_code ec;
  if (cmd.count("config"))
    o.config = cmd["config"].as<std::string>();
  else if (!cmd.count("model") && std::filesystem::exists(default_config, ec))
    o.config = default_config;

  if (!o.config.empty()) {
    // Checked before opening: a FIFO would block the open until some writer came.
    if (std::filesystem::exists(o.config, ec) && !std::filesystem::is_regular_file(o.config, ec))
      throw InputError(o.config.string() + ": not a regular file");
    std::ifstream in(o.config, std::ios::binary);
    if (!in)
      throw InputError(o.config.string() + ": " +
                       (std::filesystem::exists(o.config, ec) ? "cannot be read" : "no such file"));
    std::ostringstream text;
    text << in.rdbuf();
    percent = percent || text.str().find('%') != std::string::npos;
    std::istringstream ini(text.str());
    try {
      const po::parsed_options parsed = po::parse_config_file(ini, d, /*allow_unregistered=*/false);
      for (const po::option& option : parsed.options)
        if (option.string_key == "config")
          throw InputError(o.config.string() + ": key 'config' is not allowed in a config file");
      po::store(parsed, vm);
    } catch (const po::unknown_option& e) {
      throw InputError(o.config.string() + ": unknown key '" + e.get_option_name() + "'");
    } catch (const po::error& e) {
      throw InputError(o.config.string() + ": " + message_of(e, percent));
    }
  }
  try {
    po::notify(vm);
  } catch (const po::error& e) {
    throw InputError(message_of(e, percent));
  }

  const std::filesystem::path config_dir = o.config.empty() ? "" : o.config.parent_path();
  o.model = path_option(vm, cmd, "model", config_dir);
  o.data = path_option(vm, cmd, "data", config_dir);
  o.out = path_option(vm, cmd, "out", config_dir);
  if (!o.out.has_filename()) throw InputError("--out: '" + o.out.string() + "' names no file");

  const std::string tp = vm["tp"].as<std::string>();
  if (tp != "auto") {
    char* end = nullptr;
    long value = std::strtol(tp.c_str(), &end, 10);
    if (tp.empty() || *end != '\0' || value < 1 || value > 65536)
      throw InputError("--tp: expected a positive integer or 'auto', got '" + tp + "'");
    o.tp = static_cast<int>(value);
  }
  if (vm.count("devices")) o.devices = parse_device_list(vm["devices"].as<std::string>());
  if (vm.count("device-memory"))
    o.device_memory = parse_byte_size(vm["device-memory"].as<std::string>(), "--device-memory");
  const std::string dtype = vm["dtype"].as<std::string>();
  if (dtype != "auto") o.dtype = parse_dtype(dtype, "--dtype");
  o.plan = vm["plan"].as<bool>();
  o.max_batch_tokens = vm["max-batch-tokens"].as<std::int64_t>();
  if (o.max_batch_tokens < 1)
    throw InputError("--max-batch-tokens: must be at least 1, got " +
                     std::to_string(o.max_batch_tokens));
  o.split = vm["split"].as<std::string>();
  if (o.split != "test" && o.split != "val")
    throw InputError("--split: expected test or val, got '" + o.split + "'");
  if (vm.count("subjects")) {
    for (const std::string& s : split_commas(vm["subjects"].as<std::string>())) {
      // "anatomy, virology" as people type it.
      const std::size_t first = s.find_first_not_of(" \t"), last = s.find_last_not_of(" \t");
      if (first != std::string::npos) o.subjects.push_back(s.substr(first, last - first + 1));
    }
    if (o.subjects.empty()) throw InputError("--subjects: expected a comma-separated list");
  }
  o.limit = vm["limit"].as<std::int64_t>();
  if (o.limit < 0) throw InputError("--limit: must be 0 (all) or more");
  o.shots = vm["shots"].as<int>();
  if (o.shots < 0 || o.shots > 64) throw InputError("--shots: expected 0 to 64");
  o.max_seq_len = vm["max-seq-len"].as<std::int64_t>();
  if (o.max_seq_len < 0) throw InputError("--max-seq-len: must be 0 (the model's) or more");
  o.overwrite = vm["overwrite"].as<bool>();
  o.resume = vm["resume"].as<bool>();
  o.flush_every_batches = vm["flush-every"].as<int>();
  if (o.flush_every_batches < 1) throw InputError("--flush-every: must be at least 1 batch");
  o.flush_every_seconds = vm["flush-seconds"].as<double>();
  if (!(o.flush_every_seconds > 0)) throw InputError("--flush-seconds: must be more than 0");
  o.stall_timeout_seconds = vm["stall-timeout"].as<int>();
  if (o.stall_timeout_seconds < 0) throw InputError("--stall-timeout: must be 0 (never) or more");
  o.prefix_reuse = !vm["no-prefix-reuse"].as<bool>();
  const std::string attention = vm["prefix-attention"].as<std::string>();
  if (attention != "split" && attention != "concat")
    throw InputError("--prefix-attention: expected split or concat, got '" + attention + "'");
  o.split_prefix_attention = attention == "split";
  o.dump_prompts = path_option(vm, cmd, "dump-prompts", config_dir);
  if (o.plan && !o.dump_prompts.empty())
    throw InputError("--plan and --dump-prompts each stop the run early: give one");
  o.synthetic_weights = vm["synthetic-weights"].as<bool>();
  o.synthetic_data = vm["synthetic-data"].as<bool>();
  o.progress = vm["progress"].as<std::string>();
  if (o.progress != "auto" && o.progress != "bar" && o.progress != "lines" && o.progress != "none")
    throw InputError("--progress: expected auto, bar, lines or none, got '" + o.progress + "'");
  o.profile = path_option(vm, cmd, "profile", config_dir);
  o.profile_batches = vm["profile-batches"].as<int>();
  if (o.profile_batches < 1) throw InputError("--profile-batches: must be at least 1");
  if (o.model.empty()) throw InputError("--model is required (or --config FILE naming one)");
  return o;
}

}  // namespace mmlu
