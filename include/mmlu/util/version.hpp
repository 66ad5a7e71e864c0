#pragma once
// The program version recorded in results: `git describe` of the source tree at build time.
namespace mmlu {
const char* program_version();
}  // namespace mmlu
