#pragma once
// Writing files whole: every byte reaches the file, or an Error names the file and the system's
// reason ("r.h5.tmp: cannot be written (No space left on device)").
#include <cstddef>
#include <filesystem>
#include <string_view>

namespace mmlu {

// Writes all `bytes` at `data` to `fd`, retrying after signals; `path` names it in errors.
void write_all(int fd, const void* data, std::size_t bytes, const std::filesystem::path& path);

// Creates (or truncates) `path`, writes `bytes` and forces them to disk before returning. A path
// that cannot be created is an InputError; a write that fails (a full disk, a file-size limit)
// an Error.
void write_new_file(const std::filesystem::path& path, std::string_view bytes);

}  // namespace mmlu
