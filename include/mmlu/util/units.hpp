#pragma once
// Byte sizes as users write them ("80GiB", "40GB", "512M") and as we print them.
#include <cstdint>
#include <string>

namespace mmlu {

// Parses a size: a number with an optional suffix B, K/KB/KiB, M/MB/MiB, G/GB/GiB, T/TB/TiB.
// "GB" is 10^9 and "GiB" 2^30, as on device spec sheets; a bare "G" means GiB (what nvidia-smi
// shows). Throws InputError naming `what` (e.g. "--device-memory") on anything else.
std::uint64_t parse_byte_size(const std::string& text, const std::string& what);

// Human-readable size with binary units, e.g. "24.2 GiB".
std::string format_bytes(std::uint64_t bytes);

}  // namespace mmlu
