// integration_sandbox_launcher's main: the box launcher starts first, while the process is
// small, as the worker and the embedded system start it; then Catch runs the cases.
#define CATCH_CONFIG_RUNNER
#include "sandbox/sandbox.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <unistd.h>

int main(int argc, char** argv) {
  if (::geteuid() == 0) {
    if (auto started = recodex::sandbox::start_box_launcher(); !started) {
      std::fprintf(stderr, "cannot start the box launcher: %s\n",
                   started.error().message.c_str());
      return 2;
    }
  }
  return Catch::Session().run(argc, argv);
}
