// recodex-judge-passthrough <file> <ignored>: replays a record made by
// recodex-data-only-wrapper.sh (exit code, base64 stdout, base64 stderr) and exits with the code.
#include "judges/byte_source.hpp"
#include "judges/legacy.hpp"

#include <cstdio>

using namespace recodex::judges;

int main(int argc, char* argv[]) {
  if (argc != 3) {
    std::fputs("Wrong amount of arguments.\nUsage: recodex-judge-passthrough <file> <ignored>\n",
               stderr);
    return 2;
  }
  auto input = file_source::open(argv[1]);
  if (!input) {
    std::fprintf(stderr, "Internal Error: %s\n", input.error().message.c_str());
    return 2;
  }
  auto code = replay_passthrough(
      input.value(), [](std::string_view s) { std::fwrite(s.data(), 1, s.size(), stdout); },
      [](std::string_view s) { std::fwrite(s.data(), 1, s.size(), stderr); });
  std::fflush(stdout);
  if (!code) {
    std::fprintf(stderr, "Internal Error: %s\n", code.error().message.c_str());
    return 2;
  }
  return code.value();
}
