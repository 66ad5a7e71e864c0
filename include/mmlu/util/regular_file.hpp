#pragma once
// Opening input files that must be regular files, without ever blocking on something else.
#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace mmlu {

// Opens `path` read-only and fills `st` from the open descriptor. A FIFO, directory or device is
// refused (InputError "PATH: not a regular file") without being opened: opening a FIFO waits for
// a writer that may never come, and SIGTERM does not interrupt it. Symlinks to regular files are
// followed. Returns -1 with errno set when `path` cannot be stat'ed or opened, so each reader
// words that error its own way; the caller closes the descriptor.
int open_regular_file(const std::filesystem::path& path, struct stat& st);

// The whole of a regular file. Throws InputError "PATH: ..." when it is missing, unreadable, not
// a regular file, or larger than `max_bytes` (named as `kind`: "a JSON file").
std::string read_regular_file(const std::filesystem::path& path, std::uint64_t max_bytes,
                              const std::string& kind);

}  // namespace mmlu
