// recodex-judge-filter [in [out]]: copies `in` (default stdin) to `out` (default stdout) without
// `//` comments; lines that are only a comment vanish with their newline.
#include "judges/byte_source.hpp"
#include "judges/legacy.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

using namespace recodex::judges;

int main(int argc, char* argv[]) {
  if (argc > 3) {
    std::fputs("Usage: recodex-judge-filter [input [output]]\n", stderr);
    return 2;
  }
  std::FILE* out = stdout;
  if (argc == 3) {
    out = std::fopen(argv[2], "wb");
    if (!out) {
      std::fprintf(stderr, "Error: cannot open %s: %s\n", argv[2], std::strerror(errno));
      return 2;
    }
  }
  auto opened = argc >= 2 ? file_source::open(argv[1])
                          : recodex::result<file_source>{file_source::borrow(STDIN_FILENO, "stdin")};
  if (!opened) {
    std::fprintf(stderr, "Error: %s\n", opened.error().message.c_str());
    return 2;
  }
  comment_filter filter;
  std::vector<char> buffer(64 * 1024);
  std::string filtered;
  for (;;) {
    auto n = opened.value().read(buffer.data(), buffer.size());
    if (!n) {
      std::fprintf(stderr, "Error: %s\n", n.error().message.c_str());
      return 2;
    }
    filtered.clear();
    if (n.value() == 0)
      filter.finish(filtered);
    else
      filter.feed({buffer.data(), n.value()}, filtered);
    if (!filtered.empty() && std::fwrite(filtered.data(), 1, filtered.size(), out) != filtered.size()) {
      std::fprintf(stderr, "Error: cannot write the output: %s\n", std::strerror(errno));
      return 2;
    }
    if (n.value() == 0)
      break;
  }
  if (std::fflush(out) != 0 || (out != stdout && std::fclose(out) != 0)) {
    std::fprintf(stderr, "Error: cannot write the output: %s\n", std::strerror(errno));
    return 2;
  }
  return 0;
}
