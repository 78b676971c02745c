// Tests nodes/recodex-fileserver as a real process: started with deploy/fileserver.yml (data
// directory and port overridden), its URL read from stdout, a 100 MiB upload and download with
// the server's peak RSS watched, a clean exit on SIGTERM, and its config error reporting.
#include "storage/sha1.hpp"
#include "tests/harness/temp_directory.hpp"
#include "tests/harness/http_client.hpp"
#include "tests/harness/child_process.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <optional>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

using namespace std::chrono_literals;
using recodex::testing::child_process;
using recodex::testing::http_connection;
using recodex::testing::peak_rss_kib;

const std::string binary = std::string(RECODEX_BIN_DIR) + "/recodex-fileserver";
const std::string example_config = std::string(RECODEX_SOURCE_DIR) + "/deploy/fileserver.yml";

std::uint16_t port_of(const std::string& url) {
  return static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
}

// Deterministic content that does not compress or repeat at block boundaries.
void fill_pattern(char* out, std::size_t n, std::uint64_t offset) {
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t x = (offset + i) * 0x9E3779B97F4A7C15ull;
    out[i] = static_cast<char>((x >> 29) ^ (x >> 47));
  }
}

std::string pattern_sha1(std::uint64_t size) {
  recodex::storage::sha1_hasher hasher;
  std::string chunk(1 << 20, '\0');
  for (std::uint64_t offset = 0; offset < size; offset += chunk.size()) {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), size - offset));
    fill_pattern(chunk.data(), n, offset);
    hasher.update(chunk.data(), n);
  }
  return hasher.finish();
}

} // namespace

TEST_CASE("the file server process serves 100 MiB both ways in bounded memory and stops on "
          "SIGTERM",
          "[filestore][process]") {
  recodex::testing::temp_directory dir("recodex-fileserver-process");
  child_process server(
      {binary, "-c", example_config, "--data-dir", (dir.path() / "data").string(), "--port", "0"});
  auto line = server.read_line(10s);
  INFO("stderr: " << server.stderr_text());
  REQUIRE(line.has_value());
  REQUIRE_THAT(*line, Catch::StartsWith("recodex-fileserver listening on http://127.0.0.1:"));
  std::uint16_t port = port_of(*line);
  // deploy/fileserver.yml asks for the ReCodEx default credentials.
  const recodex::testing::header_list auth{recodex::testing::basic_auth("re", "codex")};

  http_connection c("127.0.0.1", port, 120s);
  REQUIRE(c.request("GET", "/health", {}, auth).status == 200);
  long rss_before = peak_rss_kib(server.pid());
  REQUIRE(rss_before > 0);

  constexpr std::uint64_t size = 100ull * 1024 * 1024;
  const std::string hash = pattern_sha1(size);

  auto put = c.upload("PUT", "/tasks/" + hash, size, fill_pattern, auth);
  REQUIRE(put.status == 201);
  auto result = c.upload("PUT", "/results/big.zip", size, fill_pattern, auth);
  REQUIRE(result.status == 200);

  for (const std::string& target : std::vector<std::string>{"/tasks/" + hash, "/results/big.zip"}) {
    INFO(target);
    recodex::storage::sha1_hasher hasher;
    std::uint64_t received = 0;
    auto got = c.download(
        target,
        [&](std::string_view piece) {
          hasher.update(piece);
          received += piece.size();
        },
        auth);
    CHECK(got.status == 200);
    CHECK(received == size);
    CHECK(hasher.finish() == hash);
  }

  long rss_after = peak_rss_kib(server.pid());
  INFO("VmHWM before " << rss_before << " KiB, after " << rss_after << " KiB");
  CHECK(rss_after - rss_before < 20 * 1024);

  REQUIRE(::kill(server.pid(), SIGTERM) == 0);
  auto status = server.wait_exit(15s);
  REQUIRE(status.has_value());
  CHECK(*status == 0);
}

TEST_CASE("the file server process reports a missing config file and exits 2",
          "[filestore][process]") {
  child_process server({binary, "-c", "/nonexistent/fileserver.yml"});
  auto status = server.wait_exit(10s);
  REQUIRE(status.has_value());
  CHECK(*status == 2);
  CHECK_THAT(server.stderr_text(), Catch::Contains("/nonexistent/fileserver.yml does not exist"));
}

TEST_CASE("the file server process reports every config problem with its line at once",
          "[filestore][process]") {
  recodex::testing::temp_directory dir("recodex-fileserver-config");
  auto file = dir.path() / "bad.yml";
  std::ofstream(file) << "listen:\n"
                         "  address: 127.0.0.1\n"
                         "  port: 99999\n"
                         "max-upload-size: lots\n"
                         "auth:\n"
                         "  username: re\n"
                         "frobnicate: 1\n"
                         "logger:\n"
                         "  level: loud\n";
  child_process server({binary, "-c", file.string()});
  auto status = server.wait_exit(10s);
  REQUIRE(status.has_value());
  CHECK(*status == 2);
  const auto& err = server.stderr_text();
  CHECK_THAT(err, Catch::Contains("bad.yml:3: listen.port: expected an integer from 0 to 65535"));
  CHECK_THAT(err, Catch::Contains("bad.yml:4: max-upload-size:"));
  CHECK_THAT(err, Catch::Contains("auth: username and password must be given together"));
  CHECK_THAT(err, Catch::Contains("bad.yml:9: logger.level:"));
  CHECK_THAT(err, Catch::Contains("4 configuration problem(s)"));
}

TEST_CASE("the file server process warns about unknown keys and starts anyway",
          "[filestore][process]") {
  recodex::testing::temp_directory dir("recodex-fileserver-unknown");
  auto file = dir.path() / "unknown.yml";
  std::ofstream(file) << "listen:\n"
                         "  port: 0\n"
                         "  backlog: 10\n"
                         "data-dir: " +
                             (dir.path() / "data").string() +
                             "\n"
                             "frobnicate: 1\n";
  child_process server({binary, "-c", file.string()});
  auto line = server.read_line(10s);
  INFO("stderr: " << server.stderr_text());
  REQUIRE(line.has_value());
  CHECK_THAT(*line, Catch::StartsWith("recodex-fileserver listening on http://127.0.0.1:"));
  CHECK_THAT(server.stderr_text(), Catch::Contains("unknown.yml:3: listen.backlog: unknown key"));
  CHECK_THAT(server.stderr_text(), Catch::Contains("unknown.yml:5: frobnicate: unknown key"));
  REQUIRE(::kill(server.pid(), SIGINT) == 0);
  auto status = server.wait_exit(15s);
  REQUIRE(status.has_value());
  CHECK(*status == 0);
}

TEST_CASE("the file server's --help documents every config key", "[filestore][process]") {
  child_process help({binary, "--help"});
  auto status = help.wait_exit(5s);
  REQUIRE(status.has_value());
  CHECK(*status == 0);
  const auto& text = help.stdout_text();
  for (const char* key : {"listen:", "address", "port", "data-dir", "auth:", "username", "password",
                          "max-upload-size", "temp-max-age", "temp-clean-interval", "io-threads",
                          "logger:", "file", "level", "max-size", "rotations"})
    CHECK_THAT(text, Catch::Contains(key));
}
