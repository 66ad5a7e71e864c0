#pragma once
// Command lines of the single-process tools (mmlu_tokenize, mmlu_tasks): Boost's parse, its
// errors as InputError, --help answered.
#include <boost/program_options.hpp>

namespace mmlu {

// Parses argv against `described` into `vm`. Returns false, having printed the options, when
// --help was asked (the tool then exits 0). Throws InputError for an unknown or malformed option.
bool parse_tool_options(int argc, char** argv,
                        const boost::program_options::options_description& described,
                        boost::program_options::variables_map& vm);

}  // namespace mmlu
