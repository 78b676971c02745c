// integration_sandbox_launcher's main: the box launcher starts first, while the process is
// small, as the worker and the embedded system start it; then Catch runs the cases.
#define CATCH_CONFIG_RUNNER
#include "sandbox/sandbox.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <unistd.h>

int main(int argc, char** argv) {
  if (::geteuid() == 0) {
    // The test binary lives apart from the launcher executable: name it.
    const std::string launcher = std::string{RECODEX_BIN_DIR} + "/" + recodex::sandbox::box_launcher_name;
    if (auto started = recodex::sandbox::start_box_launcher(launcher); !started) {
      std::fprintf(stderr, "cannot start the box launcher: %s\n",
                   started.error().message.c_str());
      return 2;
    }
  }
  return Catch::Session().run(argc, argv);
}
