#include "mmlu/app/tool_options.hpp"

#include <iostream>

#include "mmlu/util/error.hpp"

namespace mmlu {

namespace po = boost::program_options;

bool parse_tool_options(int argc, char** argv, const po::options_description& described,
                        po::variables_map& vm) {
  try {
    po::store(po::parse_command_line(argc, argv, described), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw InputError(e.what());
  }
  if (vm.count("help")) {
    std::cout << described << "\n";
    return false;
  }
  return true;
}

}  // namespace mmlu
