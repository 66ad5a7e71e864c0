#include "mmlu/checkpoint/safetensors.hpp"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "mmlu/util/error.hpp"
#include "mmlu/util/json_file.hpp"
#include "mmlu/util/regular_file.hpp"
#include "mmlu/util/utf8.hpp"

namespace mmlu {
namespace {

namespace fs = std::filesystem;

const std::map<std::string, StDType>& dtype_names() {
  static const std::map<std::string, StDType> names = {
      {"F64", StDType::kF64},   {"F32", StDType::kF32},        {"F16", StDType::kF16},
      {"BF16", StDType::kBF16}, {"I64", StDType::kI64},        {"I32", StDType::kI32},
      {"I16", StDType::kI16},   {"I8", StDType::kI8},          {"U8", StDType::kU8},
      {"BOOL", StDType::kBool}, {"F8_E4M3", StDType::kF8E4M3}, {"F8_E5M2", StDType::kF8E5M2}};
  return names;
}

// a * b, or false when it overflows 64 bits.
bool multiply(std::uint64_t a, std::uint64_t b, std::uint64_t* out) {
  return !__builtin_mul_overflow(a, b, out);
}

TensorInfo parse_entry(const std::string& name, const Json& entry, const std::string& origin) {
  auto fail = [&](const std::string& rule) {
    return InputError(origin + ": tensor '" + name + "': " + rule);
  };
  if (!entry.is_object()) throw fail("entry is not an object");
  TensorInfo info;
  info.name = name;
  if (!entry.contains("dtype") || !entry["dtype"].is_string()) throw fail("missing dtype");
  const std::string dtype = entry["dtype"].get<std::string>();
  auto known = dtype_names().find(dtype);
  if (known == dtype_names().end()) throw fail("unknown dtype '" + dtype + "'");
  info.dtype = known->second;

  if (!entry.contains("shape") || !entry["shape"].is_array()) throw fail("missing shape");
  for (const Json& d : entry["shape"]) {
    if (!d.is_number_unsigned()) throw fail("shape entries must be non-negative integers");
    const std::uint64_t v = d.get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(INT64_MAX)) throw fail("shape entry too large");
    info.shape.push_back(static_cast<std::int64_t>(v));
  }
  const Json& offsets = entry.contains("data_offsets") ? entry["data_offsets"] : Json();
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned())
    throw fail("data_offsets must be two non-negative integers");
  info.begin = offsets[0].get<std::uint64_t>();
  info.end = offsets[1].get<std::uint64_t>();
  if (info.end < info.begin) throw fail("data_offsets end before they begin");

  std::uint64_t bytes = st_dtype_bytes(info.dtype);
  for (std::int64_t d : info.shape)
    if (!multiply(bytes, static_cast<std::uint64_t>(d), &bytes))
      throw fail("element count of the shape overflows");
  if (bytes != info.end - info.begin)
    throw fail("shape and dtype need " + std::to_string(bytes) + " bytes but data_offsets span " +
               std::to_string(info.end - info.begin));
  return info;
}

}  // namespace

std::uint64_t st_dtype_bytes(StDType dtype) {
  switch (dtype) {
    case StDType::kF64:
    case StDType::kI64:
      return 8;
    case StDType::kF32:
    case StDType::kI32:
      return 4;
    case StDType::kF16:
    case StDType::kBF16:
    case StDType::kI16:
      return 2;
    default:
      return 1;
  }
}

std::string st_dtype_name(StDType dtype) {
  for (const auto& [name, value] : dtype_names())
    if (value == dtype) return name;
  return "?";
}

std::int64_t TensorInfo::numel() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::vector<TensorInfo> parse_safetensors(const std::uint8_t* bytes, std::uint64_t size,
                                          const std::string& origin) {
  if (size < 8)
    throw InputError(origin + ": file of " + std::to_string(size) +
                     " bytes is too short for a safetensors header");
  const std::uint64_t n = safetensors_header_length(bytes);
  if (n > kMaxSafetensorsHeader)
    throw InputError(origin + ": header length " + std::to_string(n) + " exceeds the limit of " +
                     std::to_string(kMaxSafetensorsHeader));
  if (n > size - 8)
    throw InputError(origin + ": header length " + std::to_string(n) +
                     " runs past the end of the file (" + std::to_string(size) + " bytes)");
  const std::string_view header(reinterpret_cast<const char*>(bytes + 8), n);
  std::size_t bad = 0;
  if (!is_valid_utf8(header, &bad))
    throw InputError(origin + ": header is not valid UTF-8 (byte " + std::to_string(8 + bad) + ")");
  Json json;
  try {
    json = Json::parse(header);
  } catch (const Json::parse_error& e) {
    throw InputError(origin + ": header is not valid JSON (at header byte " +
                     std::to_string(e.byte) + ")");
  } catch (const Json::exception& e) {
    throw InputError(origin + ": header is not valid JSON (" + e.what() + ")");
  }
  if (!json.is_object()) throw InputError(origin + ": header is not a JSON object");

  std::vector<TensorInfo> tensors;
  for (const auto& [name, entry] : json.items()) {
    if (name == "__metadata__") {
      if (!entry.is_object()) throw InputError(origin + ": __metadata__ is not an object");
      for (const auto& [key, value] : entry.items())
        if (!value.is_string())
          throw InputError(origin + ": __metadata__ value '" + key + "' is not a string");
      continue;
    }
    tensors.push_back(parse_entry(name, entry, origin));
  }
  std::sort(tensors.begin(), tensors.end(), [](const TensorInfo& a, const TensorInfo& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::uint64_t expected = 0;
  for (const TensorInfo& t : tensors) {
    if (t.begin > expected)
      throw InputError(origin + ": tensor '" + t.name + "': gap in the data buffer (starts at " +
                       std::to_string(t.begin) + ", previous tensor ends at " +
                       std::to_string(expected) + ")");
    if (t.begin < expected)
      throw InputError(origin + ": tensor '" + t.name +
                       "': overlaps the previous tensor (starts at " + std::to_string(t.begin) +
                       ", previous ends at " + std::to_string(expected) + ")");
    expected = t.end;
  }
  const std::uint64_t buffer = size - 8 - n;
  if (expected != buffer)
    throw InputError(origin + ": the tensors cover " + std::to_string(expected) +
                     " bytes but the data buffer holds " + std::to_string(buffer) +
                     (expected > buffer ? " (file truncated?)" : " (trailing bytes)"));
  return tensors;
}

MappedFile::MappedFile(const fs::path& path) {
  struct stat st {};
  const int fd = open_regular_file(path, st);
  if (fd < 0) throw InputError(path.string() + ": cannot open (" + std::strerror(errno) + ")");
  size_ = static_cast<std::uint64_t>(st.st_size);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      throw Error(path.string() + ": mmap failed (" + std::strerror(errno) + ")");
    }
    data_ = static_cast<const std::uint8_t*>(p);
  }
  ::close(fd);
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
}

SafetensorsFile::SafetensorsFile(const fs::path& path)
    : path_(path), map_(std::make_unique<MappedFile>(path)) {
  static const std::uint8_t kEmpty[1] = {0};
  const std::uint8_t* bytes = map_->data() ? map_->data() : kEmpty;
  for (TensorInfo& t : parse_safetensors(bytes, map_->size(), path.string()))
    tensors_.emplace(t.name, std::move(t));
  data_start_ = bytes + 8 + safetensors_header_length(bytes);
}

void SafetensorsFile::release(const TensorInfo& info) const {
  static const std::uintptr_t page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto first = reinterpret_cast<std::uintptr_t>(bytes(info)) & ~(page - 1);
  const auto last = reinterpret_cast<std::uintptr_t>(bytes(info) + (info.end - info.begin));
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> out;
  for (const auto& [name, ref] : index_) out.push_back(name);
  return out;
}

Checkpoint::Checkpoint(const fs::path& dir) : dir_(dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw InputError(dir.string() + ": model directory not found");
  const fs::path index_path = dir / "model.safetensors.index.json";
  std::map<std::string, std::string> weight_map;
  if (fs::exists(index_path, ec)) {
    const Json index = read_json_file(index_path);
    if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
      throw InputError(index_path.string() + ": missing weight_map");
    std::set<std::string> shards;
    for (const auto& [name, file] : index["weight_map"].items()) {
      if (!file.is_string())
        throw InputError(index_path.string() + ": weight_map entry '" + name + "' is not a string");
      const std::string f = file.get<std::string>();
      // Shards live beside the index: a path elsewhere is refused, never followed.
      if (f.empty() || f.find('/') != std::string::npos || f == "." || f == "..")
        throw InputError(index_path.string() + ": weight_map entry '" + name + "' names '" + f +
                         "', not a file beside the index");
      weight_map[name] = f;
      // A set beside the list keeps first-listed order without a quadratic search.
      if (shards.insert(f).second) paths_.push_back(dir / f);
    }
  } else if (fs::exists(dir / "model.safetensors", ec)) {
    paths_.push_back(dir / "model.safetensors");
  } else {
    std::vector<fs::path> found, pickles;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      const std::string ext = e.path().extension().string();
      if (ext == ".safetensors") found.push_back(e.path());
      if (ext == ".bin" || ext == ".pt" || ext == ".pth" || ext == ".ckpt")
        pickles.push_back(e.path());
    }
    if (found.size() == 1) {
      paths_ = found;
    } else if (found.size() > 1) {
      throw InputError(dir.string() +
                       ": several .safetensors files but no "
                       "model.safetensors.index.json to say which tensor is where");
    } else if (!pickles.empty()) {
      throw InputError(
          pickles.front().string() +
          ": pickle checkpoints are never loaded (unpickling can run code); convert to "
          "safetensors first, e.g. python -c \"from transformers import AutoModelForCausalLM as "
          "M; M.from_pretrained('" +
          dir.string() + "').save_pretrained('OUT_DIR', safe_serialization=True)\"");
    } else {
      throw InputError(dir.string() +
                       ": no model.safetensors, model.safetensors.index.json or *.safetensors");
    }
  }

  for (const fs::path& p : paths_) {
    if (!fs::exists(p, ec)) throw InputError(p.string() + ": shard listed in the index is missing");
    files_.push_back(std::make_unique<SafetensorsFile>(p));
  }
  for (const auto& file : files_) {
    const std::string shard = file->path().filename().string();
    for (const auto& [name, info] : file->tensors()) {
      if (!weight_map.empty()) {
        auto listed = weight_map.find(name);
        if (listed == weight_map.end() || listed->second != shard) continue;
      }
      if (index_.count(name))
        throw InputError(file->path().string() + ": tensor '" + name + "' appears twice");
      index_[name] = TensorRef{file.get(), &info};
    }
  }
  for (const auto& [name, shard] : weight_map)
    if (!index_.count(name))
      throw InputError((dir / shard).string() + ": tensor '" + name +
                       "' is listed in the index but not in the shard");
}

TensorRef Checkpoint::get(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end())
    throw InputError(dir_.string() + ": checkpoint has no tensor '" + name + "'");
  return it->second;
}

std::uint64_t safetensors_header_length(const std::uint8_t* bytes) {
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];
  return n;
}

}  // namespace mmlu
