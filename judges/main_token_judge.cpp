// recodex-token-judge <options> <expected> <actual>: stdout "1" or "0", exit 0/1, usage errors and
// runtime errors exit 2 (spec section 8). The diff log goes to stderr.
#include "judges/judge_options.hpp"
#include "judges/token_judge.hpp"

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

using namespace recodex::judges;

namespace {

void to_stderr(std::string_view text) { std::fwrite(text.data(), 1, text.size(), stderr); }

} // namespace

int main(int argc, char* argv[]) {
  std::vector<std::string> args(argv + 1, argv + argc);
  // The bare name: usage text must not depend on where the judge was installed.
  std::string program = argc > 0 ? argv[0] : "recodex-token-judge";
  program = program.substr(program.find_last_of('/') + 1);
  if (args.size() == 1 && args[0] == "--help") {
    std::fputs(token_judge_usage(program).c_str(), stdout);
    return 0;
  }
  auto options = parse_token_judge_args(args);
  if (!options) {
    std::fprintf(stderr, "Error: %s\n\n%s", options.error().message.c_str(),
                 token_judge_usage(program).c_str());
    return 2;
  }
  try {
    diff_log log{to_stderr, options.value().has_log_limit ? options.value().log_limit
                                                          : std::numeric_limits<std::uint64_t>::max()};
    auto outcome = run_token_judge(options.value(), log);
    log.flush();
    if (!outcome) {
      std::fputs("0\n", stdout);
      std::fprintf(stderr, "Error: %s\n", outcome.error().message.c_str());
      return 2;
    }
    bool correct = outcome.value() == verdict::correct;
    std::fputs(correct ? "1\n" : "0\n", stdout);
    return correct ? 0 : 1;
  } catch (const std::exception& e) {
    // Only allocation failure can get here; the judge's inputs are never a reason to throw.
    std::fputs("0\n", stdout);
    std::fprintf(stderr, "Error: %s\n", e.what());
    return 2;
  }
}
