// Detection: an environment is advertised only when its programs exist and are executable and
// its probe exits 0 in time; the headers are env=<id> in the definitions' order.
#include "actors/worker/environments/environment_definition.hpp"
#include "actors/worker/environments/environment_detector.hpp"

#include <catch2/catch.hpp>
#include <chrono>

using namespace recodex::worker;

namespace {

environment_definition definition(std::string id, std::string probe,
                                  std::vector<std::string> args = {}) {
  environment_definition d;
  d.id = std::move(id);
  d.extensions = {".x"};
  d.detect.program = std::move(probe);
  d.detect.args = std::move(args);
  d.run.program = "./a.out";
  return d;
}

} // namespace

TEST_CASE("an environment whose probe exists and succeeds is installed", "[environments][detect]") {
  CHECK(why_not_installed(definition("true", "/bin/true")) == "");
  CHECK(why_not_installed(definition("true", "/bin/true", {"--version"})) == "");
}

TEST_CASE("an environment whose probe does not exist is not advertised", "[environments][detect]") {
  const auto missing = definition("ghost", "/nonexistent/bin/ghostc", {"--version"});
  CHECK(why_not_installed(missing) ==
        "/nonexistent/bin/ghostc is missing: No such file or directory");
  const auto present = definition("true", "/bin/true");
  const auto installed = installed_environments({missing, present});
  REQUIRE(installed.size() == 1);
  CHECK(installed[0].id == "true");
  CHECK(environment_headers(installed) ==
        std::vector<std::pair<std::string, std::string>>{{"env", "true"}});
}

TEST_CASE("every host program of the definition must be executable", "[environments][detect]") {
  auto compiled = definition("c", "/bin/true");
  compiled.compile = environment_step{};
  compiled.compile->program = "/etc/hostname-not-a-compiler";
  CHECK(why_not_installed(compiled) ==
        "/etc/hostname-not-a-compiler is missing: No such file or directory");
  compiled.compile->program = "/etc/passwd";
  CHECK(why_not_installed(compiled) == "/etc/passwd is not executable: Permission denied");
  compiled.compile->program = "/usr";
  CHECK(why_not_installed(compiled) == "/usr is not a regular file");
  // The compiled program lives in the job, not on the host.
  compiled.compile->program = "/bin/true";
  compiled.run.program = "./a.out";
  CHECK(why_not_installed(compiled) == "");
}

TEST_CASE("a probe that fails or hangs means not installed", "[environments][detect]") {
  CHECK(why_not_installed(definition("false", "/bin/false", {"--version"})) ==
        "/bin/false --version exited with 1");
  auto hanging = definition("slow", "/bin/sleep", {"30"});
  hanging.detect.timeout_s = 0.2;
  const auto start = std::chrono::steady_clock::now();
  CHECK_THAT(why_not_installed(hanging), Catch::StartsWith("/bin/sleep 30 did not finish within"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("the headers list every installed environment in order", "[environments][detect]") {
  const auto installed = installed_environments(
      {definition("c-gcc-linux", "/bin/true"), definition("python3", "/bin/true", {"-v"})});
  CHECK(environment_headers(installed) == std::vector<std::pair<std::string, std::string>>{
                                              {"env", "c-gcc-linux"}, {"env", "python3"}});
}
