// The embedded harness itself: the file-store actor and the HTTP file server run in one process
// over one data directory, on ports the OS picked, and everything is gone after teardown.
#include "tests/harness/embedded_system.hpp"
#include "tests/harness/http_client.hpp"

#include "storage/data_store.hpp"

#include <caf/all.hpp>

#include <catch2/catch.hpp>

using namespace recodex;
using namespace std::chrono_literals;

namespace {

std::uint16_t port_of(const std::string& url) {
  return static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
}

} // namespace

TEST_CASE("a task pushed to the file-store actor is served by the HTTP file server",
          "[harness][filestore]") {
  testing::embedded_options options;
  options.http_fileserver = true;
  testing::embedded_system harness{options};
  REQUIRE_THAT(harness.fileserver_url(), Catch::StartsWith("http://127.0.0.1:"));

  caf::scoped_actor self{harness.system()};
  storage::version_info pushed;
  self->request(harness.filestore(), 10s,
                push_task_version{"sum", {storage::task_file::with_content("01.in", "1 2\n")}, "first"})
    .receive([&](const storage::version_info& version) { pushed = version; },
             [&](const caf::error& err) { FAIL(harness.system().render(err)); });
  REQUIRE(pushed.number == 1);
  REQUIRE(pushed.files.size() == 1);

  testing::http_connection http{"127.0.0.1", port_of(harness.fileserver_url())};
  auto file = http.request("GET", "/v1/tasks/sum/versions/latest/files/01.in");
  CHECK(file.status == 200);
  CHECK(file.body == "1 2\n");
  auto blob = http.request("GET", "/v1/worker-files/exercise-file/" + pushed.files[0].sha1);
  CHECK(blob.status == 200);
  CHECK(blob.body == "1 2\n");
}

TEST_CASE("the harness removes its data directory at teardown", "[harness]") {
  std::filesystem::path data_dir;
  {
    testing::embedded_options options;
    options.http_fileserver = true;
    testing::embedded_system harness{options};
    data_dir = harness.data_dir();
    CHECK(std::filesystem::exists(data_dir / "tasks.git"));
    CHECK(harness.store().blobs().put("x").has_value());
  }
  CHECK_FALSE(std::filesystem::exists(data_dir));
}

TEST_CASE("the HTTP file server of the harness can require credentials", "[harness][filestore]") {
  testing::embedded_options options;
  options.http_fileserver = true;
  options.http_username = "re";
  options.http_password = "codex";
  testing::embedded_system harness{options};
  testing::http_connection http{"127.0.0.1", port_of(harness.fileserver_url())};
  CHECK(http.request("GET", "/v1/tasks").status == 401);
  // "re:codex" in Base64
  CHECK(http.request("GET", "/v1/tasks", {}, {{"Authorization", "Basic cmU6Y29kZXg="}}).status == 200);
}
