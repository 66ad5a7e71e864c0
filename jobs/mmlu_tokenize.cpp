// mmlu_tokenize: a checkpoint's tokenizer as a filter, for debugging prompts and truncation.
// Reads JSON Lines from stdin, each a JSON string, and writes one JSON array of ids per line
// (or, with --decode, reads arrays of ids and writes the decoded strings).
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>

#include <boost/program_options.hpp>

#include "mmlu/app/job.hpp"
#include "mmlu/app/tool_options.hpp"
#include "mmlu/tokenizer/tokenizer.hpp"
#include "mmlu/util/error.hpp"
#include "mmlu/util/json_file.hpp"
#include "mmlu/util/version.hpp"

namespace {

namespace po = boost::program_options;

int tokenize(int argc, char** argv) {
  std::string dir;
  po::options_description described(
      "mmlu_tokenize: JSON Lines of strings on stdin -> JSON Lines "
      "of token ids on stdout\nOptions");
  described.add_options()("help,h", "print this help")(
      "tokenizer", po::value(&dir)->value_name("DIR"),
      "directory with tokenizer.json or tokenizer.model (and tokenizer_config.json)")(
      "no-special", "no BOS/EOS (add_special_tokens=False)")(
      "as-written", "run tokenizer.json as the file says, not as transformers rebuilds it")(
      "decode", "read arrays of ids, write the decoded strings")("vocab-size",
                                                                 "print the vocabulary size")(
      "stats", "print texts, tokens and encoding seconds to stderr (for bench/)");
  po::variables_map vm;
  if (!mmlu::parse_tool_options(argc, argv, described, vm)) return mmlu::kExitOk;
  if (dir.empty()) throw mmlu::InputError("--tokenizer DIR is required");
  const auto tokenizer = vm.count("as-written")
                             ? mmlu::load_tokenizer_json(dir, mmlu::TokenizerJsonMode::as_written)
                             : mmlu::load_tokenizer(dir);
  if (vm.count("vocab-size")) {
    std::cout << tokenizer->vocab_size() << "\n";
    return mmlu::kExitOk;
  }
  const bool special = !vm.count("no-special"), decode = vm.count("decode") > 0;
  std::size_t texts = 0, tokens = 0;
  std::chrono::steady_clock::duration encoding{};
  std::string line;
  for (std::size_t number = 1; std::getline(std::cin, line); ++number) {
    const std::string where = "stdin:" + std::to_string(number) + ": ";
    const mmlu::Json input = mmlu::parse_json_text(line, where.substr(0, where.size() - 2));
    if (decode) {
      if (!input.is_array()) throw mmlu::InputError(where + "expected an array of token ids");
      std::vector<std::int64_t> ids;
      for (const auto& id : input) {
        if (!id.is_number_integer()) throw mmlu::InputError(where + "expected token ids");
        ids.push_back(id.get<std::int64_t>());
      }
      std::string text;
      try {
        text = tokenizer->decode(ids);
      } catch (const mmlu::InputError& e) {
        throw mmlu::InputError(where + e.what());
      }
      std::cout << mmlu::Json(text).dump(-1, ' ', false, mmlu::Json::error_handler_t::replace)
                << "\n";
    } else {
      if (!input.is_string()) throw mmlu::InputError(where + "expected a JSON string");
      try {
        const auto start = std::chrono::steady_clock::now();
        const auto ids = tokenizer->encode(input.get<std::string>(), special);
        encoding += std::chrono::steady_clock::now() - start;
        ++texts;
        tokens += ids.size();
        std::cout << mmlu::Json(ids).dump() << "\n";
      } catch (const mmlu::InputError& e) {
        throw mmlu::InputError(where + e.what());
      }
    }
  }
  std::cout.flush();
  if (!std::cout) throw mmlu::Error("cannot write to stdout");
  if (vm.count("stats"))
    std::fprintf(stderr, "texts %zu tokens %zu encode_seconds %.6f\n", texts, tokens,
                 std::chrono::duration<double>(encoding).count());
  return mmlu::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  return mmlu::run_tool("mmlu_tokenize", argc, argv, tokenize);
}
