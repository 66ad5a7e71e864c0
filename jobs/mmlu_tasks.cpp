// mmlu_tasks: the task layer on its own, for checking prompts before a run (and against
// lm-eval's --log_samples / --write_out): lists the built-in tasks, groups and tags, or prints
// every document's log-likelihood requests (context, continuation), with their token ids when a
// tokenizer is given, as JSON Lines.
#include <iostream>
#include <optional>
#include <string>

#include <boost/program_options.hpp>

#include "mmlu/app/job.hpp"
#include "mmlu/app/tool_options.hpp"
#include "mmlu/data/encode_pair.hpp"
#include "mmlu/data/task_registry.hpp"
#include "mmlu/data/task_workload.hpp"
#include "mmlu/tokenizer/tokenizer.hpp"
#include "mmlu/util/error.hpp"
#include "mmlu/util/split.hpp"

namespace {

namespace po = boost::program_options;

void list(const mmlu::TaskRegistry& registry) {
  std::cout << "tasks (" << registry.tasks().size() << "):\n";
  for (const auto& [name, t] : registry.tasks())
    std::cout << "  " << name << "  " << t.dataset_path
              << (t.dataset_name ? "/" + *t.dataset_name : "") << "  " << t.evaluated_split()
              << ", " << t.shots(std::nullopt) << " shots by default\n";
  std::cout << "groups (" << registry.groups().size() << "):\n";
  for (const auto& [name, g] : registry.groups()) std::cout << "  " << name << "\n";
  std::cout << "tags (" << registry.tags().size() << "):\n";
  for (const auto& [name, members] : registry.tags())
    std::cout << "  " << name << "  (" << members.size() << " tasks)\n";
}

int run(int argc, char** argv) {
  std::string tasks, data, tasks_dir = MMLU_TASKS_DIR, tokenizer_dir;
  int shots = -1;
  std::int64_t seed = 1234, limit = 0;
  po::options_description described(
      "mmlu_tasks: the requests lm-evaluation-harness would score, as JSON Lines on stdout\n"
      "Options");
  described.add_options()("help,h", "print this help")("list", "list tasks, groups and tags")(
      "tasks", po::value(&tasks)->value_name("A,B"), "task, group or tag names, or task files")(
      "data", po::value(&data)->value_name("DIR"),
      "local hub mirror (DIR/<owner>/<repo>/) or Hugging Face cache folder")(
      "tasks-dir", po::value(&tasks_dir)->value_name("DIR"), "task and group files (built-in)")(
      "num-fewshot", po::value(&shots)->value_name("K"), "few-shot documents (task default)")(
      "fewshot-seed", po::value(&seed)->value_name("S")->default_value(1234),
      "seed of the few-shot draw")("limit", po::value(&limit)->value_name("N"),
                                   "the first N documents of each task")(
      "tokenizer", po::value(&tokenizer_dir)->value_name("DIR"),
      "also print each request's token ids (lm-eval's context/continuation split)");
  po::variables_map vm;
  if (!mmlu::parse_tool_options(argc, argv, described, vm)) return mmlu::kExitOk;
  const mmlu::TaskRegistry registry = mmlu::TaskRegistry::load(tasks_dir);
  if (vm.count("list")) {
    list(registry);
    return mmlu::kExitOk;
  }
  if (tasks.empty()) throw mmlu::InputError("--tasks is required (or --list)");
  if (data.empty()) throw mmlu::InputError("--data DIR is required");
  if (vm.count("num-fewshot") && (shots < 0 || shots > mmlu::kMaxShots))
    throw mmlu::InputError("--num-fewshot must be in 0.." + std::to_string(mmlu::kMaxShots));
  if (limit < 0) throw mmlu::InputError("--limit must be 0 or more");
  std::unique_ptr<mmlu::Tokenizer> tokenizer;
  if (!tokenizer_dir.empty()) tokenizer = mmlu::load_tokenizer(tokenizer_dir);

  for (const mmlu::TaskSpec& spec : registry.resolve(mmlu::split_commas(tasks))) {
    const mmlu::TaskWorkload work = mmlu::prepare_task(
        spec, data, vm.count("num-fewshot") ? std::optional<int>(shots) : std::nullopt, seed,
        limit);
    for (const mmlu::DocumentRequests& r : work.requests) {
      mmlu::Json line = {{"task", spec.name},
                         {"doc_id", r.doc_id},
                         {"shots", work.shots},
                         {"target", r.target},
                         {"gold", r.gold},
                         {"fewshot", r.fewshot},
                         {"requests", mmlu::Json::array()}};
      for (std::size_t i = 0; i < r.continuations.size(); ++i) {
        const std::string& context = r.contexts[static_cast<std::size_t>(r.context_of[i])];
        line["requests"].push_back({context, r.continuations[i]});
        if (!tokenizer) continue;
        try {
          const mmlu::EncodedPair pair = mmlu::encode_pair(*tokenizer, context, r.continuations[i]);
          line["tokens"].push_back({pair.context, pair.continuation});
        } catch (const std::invalid_argument& e) {
          throw mmlu::InputError(spec.file.string() + ": document " + std::to_string(r.doc_id) +
                                 ": " + e.what());
        }
      }
      std::cout << line.dump() << "\n";
    }
  }
  std::cout.flush();
  if (!std::cout) throw mmlu::Error("cannot write to stdout");
  return mmlu::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  return mmlu::run_tool("mmlu_tasks", argc, argv, run);
}
