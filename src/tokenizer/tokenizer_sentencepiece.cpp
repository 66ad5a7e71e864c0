#include <sentencepiece_processor.h>

#include "mmlu/tokenizer/tokenizer.hpp"
#include "mmlu/util/error.hpp"
#include "mmlu/util/json_file.hpp"

namespace mmlu {
namespace {

namespace fs = std::filesystem;

class SentencePieceTokenizer : public Tokenizer {
 public:
  SentencePieceTokenizer(const fs::path& model, bool add_bos, bool add_eos)
      : add_bos_(add_bos), add_eos_(add_eos) {
    std::error_code ec;
    if (!fs::is_regular_file(model, ec)) throw InputError(model.string() + ": no such file");
    const auto status = processor_.Load(model.string());
    if (!status.ok())
      throw InputError(model.string() + ": not a SentencePiece model (" + status.ToString() + ")");
    if (add_bos_ && processor_.bos_id() < 0)
      throw InputError(model.string() + ": add_bos_token is set but the model has no BOS piece");
    if (add_eos_ && processor_.eos_id() < 0)
      throw InputError(model.string() + ": add_eos_token is set but the model has no EOS piece");
  }

  std::string kind() const override { return "sentencepiece"; }

  std::vector<std::int64_t> encode(std::string_view text, bool add_special) const override {
    std::vector<int> pieces;
    const auto status = processor_.Encode(text, &pieces);
    if (!status.ok()) throw Error("sentencepiece encode failed: " + status.ToString());
    std::vector<std::int64_t> ids;
    ids.reserve(pieces.size() + 2);
    if (add_special && add_bos_) ids.push_back(processor_.bos_id());
    ids.insert(ids.end(), pieces.begin(), pieces.end());
    if (add_special && add_eos_) ids.push_back(processor_.eos_id());
    return ids;
  }

  std::string decode(const std::vector<std::int64_t>& ids) const override {
    std::vector<int> pieces;
    for (std::int64_t id : ids) {
      if (id < 0 || id >= processor_.GetPieceSize())
        throw InputError("token id " + std::to_string(id) +
                         " outside the SentencePiece vocabulary");
      pieces.push_back(static_cast<int>(id));
    }
    std::string text;
    const auto status = processor_.Decode(pieces, &text);
    if (!status.ok()) throw Error("sentencepiece decode failed: " + status.ToString());
    return text;
  }

  std::int64_t vocab_size() const override { return processor_.GetPieceSize(); }

 private:
  sentencepiece::SentencePieceProcessor processor_;
  bool add_bos_;
  bool add_eos_;
};

bool config_flag(const Json& config, const char* key, bool fallback, const fs::path& path) {
  if (!config.contains(key) || config[key].is_null()) return fallback;
  if (!config[key].is_boolean())
    throw InputError(path.string() + ": " + key + " must be true or false");
  return config[key].get<bool>();
}

}  // namespace

std::unique_ptr<Tokenizer> load_sentencepiece_tokenizer(const fs::path& dir) {
  bool add_bos = true, add_eos = false;
  const fs::path config_path = dir / "tokenizer_config.json";
  std::error_code ec;
  if (fs::exists(config_path, ec)) {
    const Json config = read_json_file(config_path);
    if (!config.is_object()) throw InputError(config_path.string() + ": expected a JSON object");
    add_bos = config_flag(config, "add_bos_token", add_bos, config_path);
    add_eos = config_flag(config, "add_eos_token", add_eos, config_path);
  }
  return std::make_unique<SentencePieceTokenizer>(dir / "tokenizer.model", add_bos, add_eos);
}

}  // namespace mmlu
