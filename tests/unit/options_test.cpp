#include "mmlu/app/options.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "mmlu/util/error.hpp"

namespace mmlu {
namespace {

namespace fs = std::filesystem;

class OptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mmlu_options_test_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::create_directories(dir_ / "configs");
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write_ini(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / "configs" / name;
    std::ofstream(path) << text;
    return path;
  }

  Options parse(std::vector<std::string> args, const fs::path& default_config = {}) {
    args.insert(args.begin(), "mmlu_eval");
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    return parse_options(static_cast<int>(argv.size()), argv.data(), default_config);
  }

  std::string refusal(std::vector<std::string> args, const fs::path& default_config = {}) {
    try {
      parse(std::move(args), default_config);
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  }

  fs::path dir_;
};

TEST_F(OptionsTest, CommandLineWinsOverTheIniFile) {
  const fs::path ini = write_ini("a.ini", "model = ../models/tiny\ntp = 2\ndtype = bf16\n");
  const Options o = parse({"--config", ini.string(), "--tp", "4"});
  EXPECT_EQ(o.tp, 4);
  EXPECT_EQ(o.dtype, DType::kBFloat16);
  // Relative paths in an INI file are relative to the file.
  EXPECT_EQ(o.model, (dir_ / "models" / "tiny").lexically_normal());
}

TEST_F(OptionsTest, DefaultConfigOnlyWithoutModelOrConfig) {
  const fs::path ini = write_ini("default.ini", "model = m\ndata = d\n");
  EXPECT_EQ(parse({}, ini).model, dir_ / "configs" / "m");
  const Options explicit_model = parse({"--model", "/x/y"}, ini);
  EXPECT_EQ(explicit_model.model, "/x/y");
  EXPECT_TRUE(explicit_model.data.empty()) << "the default config leaked into an explicit run";
}

TEST_F(OptionsTest, DefaultsAndParsedValues) {
  const Options o =
      parse({"--model", "m", "--devices", "0,1", "--device-memory", "80GiB", "--plan"});
  EXPECT_EQ(o.tp, 0);
  EXPECT_FALSE(o.dtype.has_value());
  EXPECT_EQ(o.devices, (std::vector<int>{0, 1}));
  EXPECT_EQ(o.device_memory, 80ull << 30);
  EXPECT_TRUE(o.plan);
  EXPECT_EQ(o.max_batch_tokens, 4096);
  EXPECT_EQ(o.out, "results/mmlu.h5");
}

TEST_F(OptionsTest, UnknownIniKeyNamesKeyAndFile) {
  const fs::path ini = write_ini("bad.ini", "model = m\nbatch_size = 4\n");
  const std::string why = refusal({"--config", ini.string()});
  EXPECT_NE(why.find(ini.string() + ": unknown key 'batch_size'"), std::string::npos) << why;
}

// Found by fuzzing (tests/fuzz/regressions/ini): Boost's message for a bad value holding
// "%value%" never finished formatting, so the job hung instead of refusing the file.
TEST_F(OptionsTest, PercentPlaceholdersInValuesAreRefusedNotHung) {
  const fs::path ini = write_ini("pct.ini", "model = m\nshots = %value%x\n");
  EXPECT_NE(refusal({"--config", ini.string()}).find("option 'shots'"), std::string::npos);
  EXPECT_NE(refusal({"--model", "m", "--limit", "%value%"}).find("option '--limit'"),
            std::string::npos);
}

TEST_F(OptionsTest, BadValuesNameTheOption) {
  EXPECT_NE(refusal({"--model", "m", "--tp", "two"}).find("--tp: expected a positive integer"),
            std::string::npos);
  EXPECT_NE(refusal({"--model", "m", "--tp", "0"}).find("--tp"), std::string::npos);
  EXPECT_NE(refusal({"--model", "m", "--device-memory", "lots"}).find("--device-memory"),
            std::string::npos);
  EXPECT_NE(refusal({"--model", "m", "--dtype", "int4"}).find("--dtype"), std::string::npos);
  EXPECT_NE(refusal({"--model", "m", "--max-batch-tokens", "x"}).find("max-batch-tokens"),
            std::string::npos);
  EXPECT_NE(refusal({"--model", "m", "--frobnicate"}).find("frobnicate"), std::string::npos);
  EXPECT_EQ(refusal({"--model", "m", "--out", ""}), "--out: '' names no file");
  EXPECT_EQ(refusal({"--model", "m", "--out", "results/"}), "--out: 'results/' names no file");
  EXPECT_NE(refusal({}).find("--model is required"), std::string::npos);
  EXPECT_NE(refusal({"--config", (dir_ / "nope.ini").string()}).find("nope.ini: no such file"),
            std::string::npos);
}

TEST_F(OptionsTest, SubjectListsAreTrimmed) {
  EXPECT_EQ(parse({"--model", "m", "--subjects", "anatomy, virology ,\tlaw,"}).subjects,
            (std::vector<std::string>{"anatomy", "virology", "law"}));
  EXPECT_NE(refusal({"--model", "m", "--subjects", " , "}).find("--subjects"), std::string::npos);
}

TEST_F(OptionsTest, ConfigFilesDoNotNameOtherConfigFiles) {
  // Ignored before: a user meant it to be read.
  const fs::path ini = write_ini("nested.ini", "model = m\nconfig = other.ini\n");
  EXPECT_EQ(refusal({"--config", ini.string()}),
            ini.string() + ": key 'config' is not allowed in a config file");
}

TEST_F(OptionsTest, PlanAndDumpPromptsAreExclusive) {
  EXPECT_NE(refusal({"--model", "m", "--plan", "--dump-prompts", "p.jsonl"}).find("give one"),
            std::string::npos);
}

TEST_F(OptionsTest, HelpListsEveryOptionWithDefaults) {
  const std::string help = options_help();
  for (const char* name : {"--model", "--data", "--out", "--tp", "--devices", "--device-memory",
                           "--dtype", "--plan", "--config", "--max-batch-tokens"})
    EXPECT_NE(help.find(name), std::string::npos) << name;
  EXPECT_NE(help.find("(=auto)"), std::string::npos);
  EXPECT_TRUE(parse({"--help"}).help);
}

TEST(Options, ParsesDeviceLists) {
  EXPECT_EQ(parse_device_list("0,1,3"), (std::vector<int>{0, 1, 3}));
  EXPECT_THROW(parse_device_list("0,,1"), InputError);
  EXPECT_THROW(parse_device_list("a"), InputError);
  EXPECT_THROW(parse_device_list("1,1"), InputError);
  EXPECT_THROW(parse_device_list("-1"), InputError);
}

}  // namespace
}  // namespace mmlu
