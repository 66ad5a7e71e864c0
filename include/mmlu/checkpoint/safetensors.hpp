#pragma once
// safetensors checkpoints, read through mmap without Python: one file, or shards listed in
// model.safetensors.index.json. Headers are validated as the reference implementation does, and
// every rejection names the file, the tensor and the rule broken.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace mmlu {

enum class StDType { kF64, kF32, kF16, kBF16, kI64, kI32, kI16, kI8, kU8, kBool, kF8E4M3, kF8E5M2 };

std::uint64_t st_dtype_bytes(StDType dtype);
std::string st_dtype_name(StDType dtype);

struct TensorInfo {
  std::string name;
  StDType dtype = StDType::kF32;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0;  // byte offsets into the data buffer (after the header)
  std::uint64_t end = 0;
  std::int64_t numel() const;
};

// The largest header the reference reader accepts.
inline constexpr std::uint64_t kMaxSafetensorsHeader = 100000000;

// The little-endian u64 that starts every safetensors file: the header's length in bytes.
std::uint64_t safetensors_header_length(const std::uint8_t* first_8_bytes);

// Validates a whole file image: 8-byte little-endian header length, UTF-8 JSON header, tensors
// contiguous from offset 0 with byte sizes matching their shapes, the buffer ending exactly at
// the end. Throws InputError "ORIGIN: ..." on the first rule broken.
std::vector<TensorInfo> parse_safetensors(const std::uint8_t* bytes, std::uint64_t size,
                                          const std::string& origin);

// A read-only memory map of one file.
class MappedFile {
 public:
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  const std::uint8_t* data() const { return data_; }
  std::uint64_t size() const { return size_; }

 private:
  const std::uint8_t* data_ = nullptr;
  std::uint64_t size_ = 0;
};

// One validated safetensors file.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::filesystem::path& path);
  const std::filesystem::path& path() const { return path_; }
  const std::map<std::string, TensorInfo>& tensors() const { return tensors_; }
  // The tensor's bytes inside the map; not necessarily aligned.
  const std::uint8_t* bytes(const TensorInfo& info) const { return data_start_ + info.begin; }
  // Drops the tensor's pages from this process's resident memory once it has been copied, so a
  // rank's footprint while loading stays near its own shard. Reading them again is still valid.
  void release(const TensorInfo& info) const;

 private:
  std::filesystem::path path_;
  std::unique_ptr<MappedFile> map_;
  const std::uint8_t* data_start_ = nullptr;
  std::map<std::string, TensorInfo> tensors_;
};

// A tensor somewhere in a checkpoint.
struct TensorRef {
  const SafetensorsFile* file = nullptr;
  const TensorInfo* info = nullptr;
  const std::uint8_t* bytes() const { return file->bytes(*info); }
  void release() const { file->release(*info); }
};

// All safetensors files of a Hugging Face checkpoint directory.
class Checkpoint {
 public:
  // model.safetensors.index.json if present, else model.safetensors, else the only *.safetensors
  // file. A directory with only pickle files (*.bin, *.pt) is refused with how to convert it.
  explicit Checkpoint(const std::filesystem::path& dir);
  bool contains(const std::string& name) const { return index_.count(name) > 0; }
  std::vector<std::string> names() const;  // every tensor, sorted
  // Throws InputError naming the checkpoint and the tensor when it is missing.
  TensorRef get(const std::string& name) const;
  const std::vector<std::filesystem::path>& files() const { return paths_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::vector<std::filesystem::path> paths_;
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, TensorRef> index_;
};

}  // namespace mmlu
