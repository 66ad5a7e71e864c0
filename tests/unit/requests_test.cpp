// How mmlu_eval's options become the stages' requests, the run key that partial results carry,
// and the provenance a results file records.
#include <gtest/gtest.h>

#include "mmlu/app/provenance.hpp"
#include "mmlu/app/requests.hpp"
#include "mmlu/util/error.hpp"
#include "mmlu/util/version.hpp"
#include "test_configs.hpp"

namespace mmlu {
namespace {

Options options() {
  Options o;
  o.model = "/ckpt/llama";
  o.data = "/data/mmlu";
  o.out = "/out/r.h5";
  o.tp = 2;
  o.devices = std::vector<int>{1, 0};
  o.device_memory = 80ull << 30;
  o.dtype = DType::kBFloat16;
  o.max_batch_tokens = 8192;
  o.split = "val";
  o.subjects = {"anatomy"};
  o.limit = 10;
  o.shots = 3;
  o.flush_every_batches = 4;
  o.flush_every_seconds = 30;
  return o;
}

// Rank 3 of 4 on one host at tp 2: tp_rank 1, dp_rank 1.
Launch launch() {
  Launch l;
  l.config = test::llama2_7b();
  l.dtype = DType::kBFloat16;
  l.plan.tp = 2;
  l.plan.dp = 2;
  l.mapping = Mapping::build(single_host_places(4, "node7"), 2, 3);
  l.device_by_rank = {"cpu", "cpu", "cpu", "cpu"};
  return l;
}

TEST(Requests, EachStageGetsWhatTheOptionsAskOfIt) {
  const Options o = options();
  const LaunchRequest start = launch_request(o);
  EXPECT_EQ(start.model, o.model);
  EXPECT_EQ(start.tp, 2);
  EXPECT_EQ(start.devices, o.devices);
  EXPECT_EQ(start.device_memory, o.device_memory);
  EXPECT_EQ(start.dtype, DType::kBFloat16);
  EXPECT_EQ(start.max_batch_tokens, 8192);

  const WorkloadRequest data = workload_request(o, test::llama2_7b());
  EXPECT_EQ(data.data, o.data);
  EXPECT_EQ(data.tokenizer, o.model);
  EXPECT_EQ(data.selection.split, "val");
  EXPECT_EQ(data.selection.subjects, o.subjects);
  EXPECT_EQ(data.selection.limit, 10);
  EXPECT_EQ(data.selection.shots, 3);
  EXPECT_EQ(data.max_seq_len, 4096) << "the model's max_position_embeddings";
  EXPECT_EQ(data.vocab_size, 32000);

  const LoadRequest load = load_request(o);
  EXPECT_EQ(load.model, o.model);
  EXPECT_FALSE(load.synthetic_weights);
  EXPECT_TRUE(load.split_prefix_attention);

  const EvaluationShare share = evaluation_share(o, launch());
  EXPECT_EQ(share.dp_rank, 1);
  EXPECT_EQ(share.dp_size, 2);
  EXPECT_EQ(share.max_batch_tokens, 8192);
  EXPECT_EQ(share.flush_every_batches, 4);
  EXPECT_EQ(share.flush_every_seconds, 30);
}

// workload_request's refusal, or "" when it accepts.
std::string workload_refusal(const Options& o, const ModelConfig& config) {
  try {
    workload_request(o, config);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Requests, MaxSeqLenIsTheOptionElseTheModelsAndDynamicRopeStaysWithinIt) {
  Options o = options();
  o.max_seq_len = 512;
  EXPECT_EQ(workload_request(o, test::llama2_7b()).max_seq_len, 512);
  ModelConfig dynamic = test::llama2_7b();
  dynamic.rope_scaling.type = "dynamic";
  EXPECT_EQ(workload_request(o, dynamic).max_seq_len, 512);
  o.max_seq_len = 8192;
  const std::string why = workload_refusal(o, dynamic);
  EXPECT_NE(why.find("--max-seq-len 8192 is beyond max_position_embeddings"), std::string::npos)
      << why;
}

// Longrope (Phi-3) keeps prompts within its pretraining context: by default, and by refusing a
// longer --max-seq-len.
TEST(Requests, LongropeKeepsPromptsWithinItsPretrainingContext) {
  ModelConfig phi = test::llama2_7b();
  phi.max_position_embeddings = 131072;
  phi.rope_scaling.type = "longrope";
  phi.rope_scaling.original_max_position_embeddings = 4096;
  Options o = options();
  o.max_seq_len = 0;
  EXPECT_EQ(workload_request(o, phi).max_seq_len, 4096);
  o.max_seq_len = 2048;
  EXPECT_EQ(workload_request(o, phi).max_seq_len, 2048);
  o.max_seq_len = 4097;
  const std::string why = workload_refusal(o, phi);
  EXPECT_NE(why.find("--max-seq-len 4097 is beyond original_max_position_embeddings 4096"),
            std::string::npos)
      << why;
}

TEST(Requests, TheRunKeyNamesWorkWeightsDtypeAndLayout) {
  Options o = options();
  const RunKey key = run_key(o, launch(), 0xabcdef, "weights id");
  EXPECT_EQ(key.work, "0000000000abcdef");
  EXPECT_EQ(key.model, "weights id");
  EXPECT_EQ(key.dtype, "bf16");
  EXPECT_EQ(key.layout,
            "tp=2 dp=2 max_batch_tokens=8192 prefix_reuse=yes prefix_attention=split device=cpu");
  o.prefix_reuse = false;
  o.split_prefix_attention = false;
  EXPECT_EQ(run_key(o, launch(), 0xabcdef, "weights id").layout,
            "tp=2 dp=2 max_batch_tokens=8192 prefix_reuse=no prefix_attention=concat device=cpu");
}

TEST(Provenance, RecordsSourcesLayoutIdentityAndTimes) {
  Workload work;
  work.data.sha256 = "datahash";
  work.data.format = "csv";
  work.data.split = "val";
  work.max_seq_len = 2048;
  const RunIdentity id{"modelhash", {"0000000000abcdef", "weights id", "bf16", "layout"}};
  RunTimes times;
  times.start_time = "2026-12-06T01:00:00Z";
  times.end_time = "2026-12-06T01:02:00Z";
  times.eval_seconds = 4;
  times.load_seconds = 1.5;
  times.computed_questions = 10;
  times.resumed_questions = 6;
  times.attempt = 2;
  const Provenance p = run_provenance(options(), launch(), work, id, times);
  EXPECT_EQ(p.text.at("model_path"), "/ckpt/llama");
  EXPECT_EQ(p.text.at("model_architecture"), "LlamaForCausalLM");
  EXPECT_EQ(p.text.at("model_sha256"), "modelhash");
  EXPECT_EQ(p.text.at("run_work"), "0000000000abcdef");
  EXPECT_EQ(p.text.at("run_weights"), "weights id");
  EXPECT_EQ(p.text.at("dtype"), "bf16");
  EXPECT_EQ(p.text.at("tokenizer"), "none (synthetic data)");
  EXPECT_EQ(p.text.at("data_path"), "/data/mmlu");
  EXPECT_EQ(p.text.at("data_sha256"), "datahash");
  EXPECT_EQ(p.text.at("split"), "val");
  EXPECT_EQ(p.text.at("hosts"), "node7");
  EXPECT_EQ(p.text.at("devices"), "cpu; cpu; cpu; cpu");
  EXPECT_EQ(p.text.at("program_version"), program_version());
  EXPECT_EQ(p.text.at("start_time"), times.start_time);
  EXPECT_EQ(p.text.at("end_time"), times.end_time);
  EXPECT_EQ(p.numbers.at("tp"), 2);
  EXPECT_EQ(p.numbers.at("dp"), 2);
  EXPECT_EQ(p.numbers.at("world_size"), 4);
  EXPECT_EQ(p.numbers.at("shots"), 3);
  EXPECT_EQ(p.numbers.at("max_seq_len"), 2048);
  EXPECT_EQ(p.numbers.at("limit"), 10);
  EXPECT_EQ(p.numbers.at("questions_per_second"), 2.5);
  EXPECT_EQ(p.numbers.at("resumed_questions"), 6);
  EXPECT_EQ(p.numbers.at("attempt"), 2);
  EXPECT_EQ(p.numbers.at("load_seconds"), 1.5);
}

}  // namespace
}  // namespace mmlu
