// Tests actors/filestore/http_server.hpp end to end: the real server in this process on
// 127.0.0.1 port 0 over a temporary data directory, spoken to over real HTTP. Every route of
// both ReCodEx families and ours, authentication, dedup, hash mismatch, traversal attempts,
// limits, malformed input (which must change nothing), 100-continue, concurrency and stop().
#include "actors/filestore/http_server.hpp"
#include "storage/sha1.hpp"
#include "tests/harness/temp_directory.hpp"
#include "tests/harness/http_client.hpp"

#include <atomic>
#include <catch2/catch.hpp>

#include <fstream>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <thread>

namespace fs = std::filesystem;
using json = nlohmann::json;
using recodex::testing::basic_auth;
using recodex::testing::form_part;
using recodex::testing::header_list;
using recodex::testing::http_connection;
using recodex::testing::http_request;
using recodex::testing::http_response;
using recodex::testing::multipart_body;
using recodex::testing::multipart_content_type;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t test_upload_limit = 1024 * 1024;

// A running server over a fresh data directory.
struct server_fixture {
  explicit server_fixture(std::optional<recodex::filestore_credentials> auth = std::nullopt,
                          std::uint64_t upload_limit = test_upload_limit) {
    auto log = spdlog::get("filestore");
    if (!log)
      log = spdlog::stderr_color_mt("filestore");
    log->set_level(spdlog::level::warn); // keep the test output to failures
    recodex::filestore_config config;
    config.port = 0;
    config.data_dir = dir.path() / "data";
    config.auth = std::move(auth);
    config.max_upload_size = upload_limit;
    config.io_threads = 2;
    config.stop_timeout = 5s;
    auto started = recodex::http_file_server::start(config);
    if (!started)
      FAIL("server did not start: " << started.error().message);
    server = std::move(started.value());
    port = server->port();
  }

  http_response get(const std::string& target, const header_list& headers = {}) const {
    return http_request(port, "GET", target, {}, headers);
  }
  http_response put(const std::string& target, const std::string& body,
                    const header_list& headers = {}) const {
    return http_request(port, "PUT", target, body, headers);
  }
  http_response post_form(const std::string& target, const std::vector<form_part>& parts,
                          header_list headers = {}) const {
    headers.push_back(multipart_content_type());
    return http_request(port, "POST", target, multipart_body(parts), headers);
  }

  // Regular files of the data directory that a client could observe (temporaries excluded).
  std::set<std::string> stored_files() const {
    std::set<std::string> out;
    auto root = dir.path() / "data";
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
         ++it) {
      auto rel = fs::relative(it->path(), root).string();
      if (rel.rfind("temp", 0) == 0 || rel.find(".incoming") != std::string::npos ||
          rel.rfind("tasks.git", 0) == 0) {
        if (it->is_directory())
          it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file())
        out.insert(rel);
    }
    return out;
  }

  fs::path data() const { return dir.path() / "data"; }

  recodex::testing::temp_directory dir{"recodex-fileserver-test"};
  std::unique_ptr<recodex::http_file_server> server;
  std::uint16_t port = 0;
};

json body_json(const http_response& r) {
  INFO("body: " << r.body);
  return json::parse(r.body);
}

// Every error reply has the same shape.
void check_error(const http_response& r, unsigned status, const std::string& code) {
  INFO("reply " << r.status << " " << r.body);
  CHECK(r.status == status);
  CHECK(r.header("content-type") == "application/json");
  auto j = json::parse(r.body, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  CHECK(j.value("code", "") == code);
  CHECK_FALSE(j.value("error", "").empty());
}

std::string sha1(const std::string& content) {
  return recodex::storage::sha1_hex(content);
}

// Zip local headers and the central directory carry the names in clear.
bool zip_names(const std::string& zip, const std::string& name) {
  return zip.find(name) != std::string::npos;
}

} // namespace

TEST_CASE("health and the status page answer, in HTML or JSON", "[filestore][http]") {
  server_fixture f;
  auto health = f.get("/health");
  CHECK(health.status == 200);
  CHECK(body_json(health) == json{{"status", "ok"}});
  CHECK_FALSE(health.header("date").empty());

  auto html = f.get("/");
  CHECK(html.status == 200);
  CHECK(html.header("content-type") == "text/html; charset=utf-8");
  CHECK_THAT(html.body, Catch::Contains("recodex-fileserver"));

  auto status = f.get("/", {{"Accept", "application/json"}});
  CHECK(status.status == 200);
  CHECK(body_json(status)["service"] == "recodex-fileserver");

  auto head = http_request(f.port, "HEAD", "/health");
  CHECK(head.status == 200);
  CHECK(head.header("content-length") == "16");
  CHECK(head.body.empty());
}

TEST_CASE("legacy POST /tasks and /exercises store each part once by SHA-1 and serve it on "
          "every route",
          "[filestore][http]") {
  server_fixture f;
  const std::string content = "supplementary file\n";
  const std::string hash = sha1(content);
  auto posted = f.post_form(
      "/tasks",
      {{"a.txt", content, "a.txt"}, {"b.txt", content, "b.txt"}, {"other", "x", std::nullopt}});
  REQUIRE(posted.status == 200);
  CHECK(body_json(posted) == json{{"result", "OK"},
                                  {"files",
                                   {{"a.txt", "/tasks/" + hash},
                                    {"b.txt", "/tasks/" + hash},
                                    {"other", "/tasks/" + sha1("x")}}}});
  // Dedup: two fields with one content are one file on disk.
  CHECK(f.stored_files() ==
        std::set<std::string>{"tasks/" + hash.substr(0, 1) + "/" + hash,
                              "tasks/" + sha1("x").substr(0, 1) + "/" + sha1("x")});

  auto exercises = f.post_form("/exercises", {{"c", content, "c"}});
  REQUIRE(exercises.status == 200);
  CHECK(body_json(exercises)["files"]["c"] == "/exercises/" + hash);

  std::string upper = hash;
  for (auto& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const std::string& target : std::vector<std::string>{
           "/tasks/" + hash, "/exercises/" + hash, "/v1/worker-files/exercise-file/" + hash,
           "/v1/worker-files/supplementary-file/" + hash, "/tasks/" + upper}) {
    INFO(target);
    auto got = f.get(target);
    CHECK(got.status == 200);
    CHECK(got.body == content);
    CHECK(got.header("content-type") == "application/octet-stream");
  }
  auto head = http_request(f.port, "HEAD", "/tasks/" + hash);
  CHECK(head.status == 200);
  CHECK(head.header("content-length") == std::to_string(content.size()));
  CHECK(head.body.empty());

  check_error(f.get("/tasks/" + sha1("never stored")), 404, "not_found");
}

TEST_CASE("PUT /tasks/<sha1> stores the body only when it hashes to the name",
          "[filestore][http]") {
  server_fixture f;
  const std::string content(10000, 'q');
  const std::string hash = sha1(content);
  auto first = f.put("/tasks/" + hash, content);
  CHECK(first.status == 201);
  CHECK(body_json(first) ==
        json{{"result", "OK"}, {"sha1", hash}, {"size", content.size()}, {"created", true}});
  auto again = f.put("/tasks/" + hash, content);
  CHECK(again.status == 200);
  CHECK(body_json(again)["created"] == false);
  auto before = f.stored_files();

  const std::string other = sha1("something else");
  check_error(f.put("/tasks/" + other, content), 400, "hash_mismatch");
  CHECK(f.stored_files() == before);
  check_error(f.get("/tasks/" + other), 404, "not_found");
  CHECK(f.get("/tasks/" + hash).body == content);
}

TEST_CASE("legacy submissions: POST /submissions/<id>, the archive holds the files at its root",
          "[filestore][http]") {
  server_fixture f;
  auto posted =
      f.post_form("/submissions/job_42",
                  {{"job-config.yml", "submission:\n  job-id: job_42\n", "job-config.yml"},
                   {"src/main.c", "int main() { return 0; }\n", "main.c"}});
  REQUIRE(posted.status == 200);
  CHECK(body_json(posted) == json{{"archive_path", "/submission_archives/job_42.zip"},
                                  {"result_path", "/results/job_42.zip"}});

  auto legacy = f.get("/submission_archives/job_42.zip");
  REQUIRE(legacy.status == 200);
  CHECK(legacy.header("content-type") == "application/zip");
  CHECK(legacy.body.compare(0, 2, "PK") == 0);
  CHECK(zip_names(legacy.body, "job-config.yml"));
  CHECK(zip_names(legacy.body, "src/main.c"));
  CHECK_FALSE(zip_names(legacy.body, "job_42/")); // no top-level directory

  for (const std::string& type : std::vector<std::string>{"student", "reference"}) {
    auto current = f.get("/v1/worker-files/submission-archive/" + type + "/job_42");
    CHECK(current.status == 200);
    CHECK(current.body == legacy.body);
  }
  check_error(f.get("/submission_archives/nobody.zip"), 404, "not_found");
  check_error(f.get("/v1/worker-files/submission-archive/student/nobody"), 404, "not_found");
}

TEST_CASE("a second POST to a submission adds its files to the archive workers download",
          "[filestore][http]") {
  server_fixture f;
  REQUIRE(f.post_form("/submissions/twice_1", {{"job-config.yml", "cfg", "job-config.yml"},
                                               {"a.c", "int a;", "a.c"}})
              .status == 200);
  // Stored whole: the archive is the record, no directory of files yet.
  CHECK(std::filesystem::is_regular_file(f.dir.path() / "data/submit_archives/twice_1.zip"));
  CHECK_FALSE(std::filesystem::exists(f.dir.path() / "data/submits/@unowned/twice_1"));
  auto first = f.get("/submission_archives/twice_1.zip");
  REQUIRE(first.status == 200);
  CHECK(zip_names(first.body, "job-config.yml"));
  CHECK(zip_names(first.body, "a.c"));
  REQUIRE(f.post_form("/submissions/twice_1", {{"lib/b.h", "int b;", "b.h"}}).status == 200);
  auto second = f.get("/submission_archives/twice_1.zip");
  REQUIRE(second.status == 200);
  CHECK(zip_names(second.body, "job-config.yml"));
  CHECK(zip_names(second.body, "a.c"));
  CHECK(zip_names(second.body, "lib/b.h"));
  // A POST without files stores nothing, as before.
  REQUIRE(f.post_form("/submissions/twice_3", {}).status == 200);
  check_error(f.get("/submission_archives/twice_3.zip"), 404, "not_found");
  // A name that is also another's directory is refused, as before.
  check_error(f.post_form("/submissions/twice_2", {{"a", "x", "a"}, {"a/b", "y", "b"}}), 500,
              "io_error");
}

TEST_CASE("a submission larger than the in-memory spool is stored file by file, each part intact",
          "[filestore][http]") {
  server_fixture f{std::nullopt, 4 * test_upload_limit};
  // 700 KiB + 700 KiB pass the request's 1 MiB memory budget: the second part is spooled to a
  // file, the small third one fits in memory again.
  const std::string first(700 * 1024, 'a'), second(700 * 1024, 'b'), third = "int x;\n";
  auto posted = f.post_form("/submissions/big_1", {{"a.txt", first, "a.txt"},
                                                   {"dir/b.txt", second, "b.txt"},
                                                   {"c.c", third, "c.c"}});
  REQUIRE(posted.status == 200);
  auto read = [&](const std::string& name) {
    std::ifstream in(f.dir.path() / "data/submits/@unowned/big_1" / name, std::ios::binary);
    return std::string{std::istreambuf_iterator<char>(in), {}};
  };
  CHECK(read("a.txt") == first);
  CHECK(read("dir/b.txt") == second);
  CHECK(read("c.c") == third);
  // Not stored whole: that is for submissions whose parts stayed in memory.
  CHECK_FALSE(std::filesystem::exists(f.dir.path() / "data/submit_archives/big_1.zip"));
}

TEST_CASE("results: PUT on both families, GET /results/<id>.zip", "[filestore][http]") {
  server_fixture f;
  const std::string zip = "PK\x03\x04 pretend this is a zip";
  auto legacy = f.put("/results/job_1.zip", zip);
  CHECK(legacy.status == 200);
  CHECK(body_json(legacy) == json{{"result", "OK"}});
  auto current = f.put("/v1/worker-files/result/student/job_2", zip + "2");
  CHECK(current.status == 200);
  CHECK(body_json(current) == json{{"success", true}});

  CHECK(f.get("/results/job_1.zip").body == zip);
  auto second = f.get("/results/job_2.zip");
  CHECK(second.body == zip + "2");
  CHECK(second.header("content-type") == "application/zip");
  check_error(f.get("/results/job_3.zip"), 404, "not_found");

  // A replaced result is served whole, new content only.
  CHECK(f.put("/results/job_1.zip", "v2").status == 200);
  CHECK(f.get("/results/job_1.zip").body == "v2");
}

TEST_CASE("versioned tasks: create, list, read, fetch files, revert and diff",
          "[filestore][http]") {
  server_fixture f;
  auto v1 = f.post_form("/v1/tasks/hello/versions", {{"in.txt", "1 2\n", "in.txt"},
                                                     {"out.txt", "3\n", "out.txt"},
                                                     {"message", "first", std::nullopt}});
  REQUIRE(v1.status == 201);
  auto m1 = body_json(v1);
  CHECK(m1["task"] == "hello");
  CHECK(m1["number"] == 1);
  CHECK(m1["message"] == "first");
  CHECK(m1["files"] == json::array({{{"name", "in.txt"}, {"sha1", sha1("1 2\n")}, {"size", 4}},
                                    {{"name", "out.txt"}, {"sha1", sha1("3\n")}, {"size", 2}}}));

  // Version 2 keeps in.txt by hash, changes out.txt and adds a file.
  auto v2 = f.post_form("/v1/tasks/hello/versions", {{"sha1:in.txt", sha1("1 2\n"), std::nullopt},
                                                     {"out.txt", "4\n", "out.txt"},
                                                     {"judge.py", "print(1)\n", "judge.py"},
                                                     {"message", "second", std::nullopt}});
  REQUIRE(v2.status == 201);
  CHECK(body_json(v2)["number"] == 2);

  auto tasks = body_json(f.get("/v1/tasks"));
  CHECK(tasks == json{{"tasks", json::array({{{"task", "hello"}, {"newest_version", 2}}})}});

  auto versions = body_json(f.get("/v1/tasks/hello/versions"));
  REQUIRE(versions["versions"].size() == 2);
  CHECK(versions["versions"][0]["message"] == "first");
  CHECK(versions["versions"][1]["message"] == "second");

  CHECK(body_json(f.get("/v1/tasks/hello/versions/latest"))["number"] == 2);
  CHECK(body_json(f.get("/v1/tasks/hello/versions/1"))["files"] == m1["files"]);
  CHECK(f.get("/v1/tasks/hello/versions/1/files/out.txt").body == "3\n");
  CHECK(f.get("/v1/tasks/hello/versions/latest/files/out.txt").body == "4\n");
  CHECK(f.get("/v1/tasks/hello/versions/2/files/in.txt").body == "1 2\n");
  check_error(f.get("/v1/tasks/hello/versions/1/files/judge.py"), 404, "not_found");

  auto reverted = http_request(f.port, "POST", "/v1/tasks/hello/versions/1/revert", "oops");
  REQUIRE(reverted.status == 201);
  auto m3 = body_json(reverted);
  CHECK(m3["number"] == 3);
  CHECK(m3["files"] == m1["files"]);
  CHECK_THAT(m3["message"].get<std::string>(), Catch::Contains("oops"));

  auto diff = body_json(f.get("/v1/tasks/hello/diff?from=2&to=latest"));
  CHECK(diff == json{{"task", "hello"},
                     {"from", 2},
                     {"to", 0},
                     {"added", json::array()},
                     {"removed", json::array({"judge.py"})},
                     {"changed", json::array({"out.txt"})}});
}

TEST_CASE("versioned task requests that cannot be honoured change nothing", "[filestore][http]") {
  server_fixture f;
  REQUIRE(f.post_form("/v1/tasks/t/versions", {{"a", "1", "a"}}).status == 201);
  auto before = f.stored_files();
  check_error(f.get("/v1/tasks/nope/versions"), 404, "not_found");
  check_error(f.get("/v1/tasks/t/versions/9"), 404, "not_found");
  check_error(f.post_form("/v1/tasks/t/versions", {{"sha1:x", sha1("not stored"), std::nullopt}}),
              400, "unknown_blob");
  check_error(f.post_form("/v1/tasks/t/versions", {{"sha1:x", "not a hash", std::nullopt}}), 400,
              "invalid_hash");
  check_error(f.post_form("/v1/tasks/t/versions", {{"a", "no filename", std::nullopt}}), 400,
              "unexpected_field");
  check_error(f.post_form("/v1/tasks/t/versions", {{"..", "x", ".."}}), 400, "invalid_name");
  check_error(f.post_form("/v1/tasks/t/versions", {{"a", "1", "a"}, {"a", "2", "a"}}), 400,
              "duplicate_name");
  check_error(f.post_form("/v1/tasks/t/versions",
                          {{"fresh", "new content", "fresh"}, {"sha1:y", "zzz", std::nullopt}}),
              400, "invalid_hash");
  check_error(http_request(f.port, "POST", "/v1/tasks/t/versions/5/revert"), 404, "not_found");
  CHECK(f.stored_files() == before);
  CHECK(body_json(f.get("/v1/tasks"))["tasks"][0]["newest_version"] == 1);
}

TEST_CASE("with credentials configured every route needs them", "[filestore][http]") {
  server_fixture f(recodex::filestore_credentials{"re", "codex"});
  const auto right = basic_auth("re", "codex");
  const auto wrong = basic_auth("re", "codec");
  const std::string hash = sha1("x");
  struct probe {
    std::string method, target, body;
  };
  auto probes = std::vector<probe>{
      {"GET", "/", ""},
      {"GET", "/health", ""},
      {"GET", "/tasks/" + hash, ""},
      {"PUT", "/tasks/" + hash, "x"},
      {"PUT", "/results/r.zip", "zip"},
      {"PUT", "/v1/worker-files/result/student/r", "zip"},
      {"GET", "/v1/worker-files/exercise-file/" + hash, ""},
      {"GET", "/v1/tasks", ""},
      {"GET", "/nonexistent", ""},
  };
  for (const auto& p : probes) {
    INFO(p.method << " " << p.target);
    for (const auto& headers :
         {header_list{}, header_list{wrong}, header_list{{"Authorization", "Bearer x"}}}) {
      auto r = http_request(f.port, p.method, p.target, p.body, headers);
      check_error(r, 401, "unauthorized");
      CHECK(r.header("www-authenticate") == "Basic realm=\"recodex\"");
    }
  }
  CHECK(f.stored_files().empty());
  for (const auto& p : probes) {
    INFO(p.method << " " << p.target);
    auto r = http_request(f.port, p.method, p.target, p.body, {right});
    CHECK(r.status != 401);
  }
  CHECK(f.get("/tasks/" + hash, {right}).body == "x");
}

TEST_CASE("traversal attempts, bad ids and bad hashes are refused and touch nothing",
          "[filestore][http]") {
  server_fixture f;
  REQUIRE(f.put("/results/keep.zip", "keep").status == 200);
  auto before = f.stored_files();
  struct probe {
    std::string method, target;
    unsigned status;
  };
  auto probes = std::vector<probe>{
      {"GET", "/submission_archives/..%2F..%2Fetc%2Fpasswd.zip", 400},
      {"GET", "/submission_archives/%2e%2e.zip", 400},
      {"GET", "/results/..%2Fkeep.zip", 400},
      {"PUT", "/results/%2E%2E.zip", 400},
      {"PUT", "/results/a..b.zip", 400},
      {"PUT", "/v1/worker-files/result/student/..", 400},
      {"POST", "/submissions/%2Fetc", 400},
      {"GET", "/tasks/../../etc/passwd", 404},
      {"GET", "/tasks/..%2F..%2Fetc%2Fpasswd", 400},
      {"GET", "/exercises/%2e%2e", 400},
      {"GET", "/v1/worker-files/exercise-file/../../etc/passwd", 404},
      {"GET", "/v1/tasks/t/versions/1/files/..%2F..%2Fetc%2Fpasswd", 400},
      {"GET", "/v1/tasks/..%2Ft/versions", 400},
      {"GET", "http://127.0.0.1/../../etc/passwd", 404},
      {"GET", "/etc/passwd", 404},
      {"GET", "//etc/passwd", 404},
      {"GET", "/tasks/abcdef", 400},
      {"PUT", "/tasks/" + std::string(40, 'g'), 400},
  };
  for (const auto& p : probes) {
    INFO(p.method << " " << p.target);
    auto r = http_request(f.port, p.method, p.target, p.method == "GET" ? "" : "evil");
    CHECK(r.status == p.status);
    CHECK(r.header("content-type") == "application/json");
    CHECK(r.body.find("root:") == std::string::npos);
  }
  CHECK(f.stored_files() == before);
  CHECK(f.get("/results/keep.zip").body == "keep");
}

TEST_CASE("unknown routes are 404 and wrong methods 405 with Allow", "[filestore][http]") {
  server_fixture f;
  check_error(f.get("/nothing/here"), 404, "not_found");
  auto r = http_request(f.port, "DELETE", "/tasks/" + sha1("x"));
  check_error(r, 405, "method_not_allowed");
  CHECK(r.header("allow") == "GET, HEAD, PUT");
  auto patch = http_request(f.port, "PATCH", "/results/a.zip");
  check_error(patch, 405, "method_not_allowed");
  CHECK(patch.header("allow") == "GET, HEAD, PUT");
  auto post = http_request(f.port, "POST", "/health");
  CHECK(post.header("allow") == "GET, HEAD");
}

TEST_CASE("malformed multipart bodies are 400 and store nothing", "[filestore][http]") {
  server_fixture f;
  REQUIRE(f.put("/results/keep.zip", "keep").status == 200);
  auto before = f.stored_files();
  const auto type = multipart_content_type();
  const std::string good = multipart_body({{"a", "1", "a"}, {"b", "2", "b"}});
  const std::string truncated = good.substr(0, good.size() - 30);
  for (const std::string& target :
       std::vector<std::string>{"/submissions/s1", "/tasks", "/v1/tasks/t/versions"}) {
    INFO(target);
    check_error(http_request(f.port, "POST", target, truncated, {type}), 400,
                "malformed_multipart");
    check_error(http_request(f.port, "POST", target, "garbage", {type}), 400,
                "malformed_multipart");
    check_error(http_request(f.port, "POST", target, good, {{"Content-Type", "text/plain"}}), 400,
                "malformed_multipart");
    check_error(
        http_request(f.port, "POST", target, good, {{"Content-Type", "multipart/form-data"}}), 400,
        "malformed_multipart");
  }
  check_error(f.post_form("/submissions/s2", {{"../evil", "x", "e"}}), 400, "invalid_name");
  check_error(f.post_form("/submissions/s2", {{"/etc/passwd", "x", "e"}}), 400, "invalid_name");
  check_error(f.post_form("/submissions/s2", {{"a", "1", "a"}, {"a", "2", "a"}}), 400,
              "duplicate_name");
  CHECK(f.stored_files() == before);
}

TEST_CASE("bodies over the limit are 413, announced or streamed, and store nothing",
          "[filestore][http]") {
  server_fixture f;
  auto before = f.stored_files();
  auto fill = [](char* out, std::size_t n, std::uint64_t) { std::fill(out, out + n, 'z'); };

  SECTION("Content-Length over the limit is refused before the body") {
    http_connection c("127.0.0.1", f.port);
    c.write_raw("PUT /results/big.zip HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                std::to_string(test_upload_limit + 1) + "\r\n\r\n");
    auto r = c.read_response();
    check_error(r, 413, "too_large");
    CHECK_FALSE(r.keep_alive);
  }
  SECTION("with Expect: 100-continue there is no 100, only the 413") {
    http_connection c("127.0.0.1", f.port);
    c.write_raw("PUT /results/big.zip HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                "Content-Length: 999999999\r\n\r\n");
    auto r = c.read_response();
    check_error(r, 413, "too_large");
    CHECK(c.closed_by_peer(5s));
  }
  SECTION("a chunked body that grows past the limit") {
    http_connection c("127.0.0.1", f.port);
    auto r = c.upload("PUT", "/results/big.zip", 3 * test_upload_limit, fill, {}, true);
    check_error(r, 413, "too_large");
  }
  SECTION("a multipart body past the limit") {
    http_connection c("127.0.0.1", f.port);
    auto r = c.upload("POST", "/tasks", 2 * test_upload_limit, fill, {multipart_content_type()});
    check_error(r, 413, "too_large");
  }
  SECTION("exactly the limit is fine") {
    http_connection c("127.0.0.1", f.port);
    CHECK(c.upload("PUT", "/results/fits.zip", test_upload_limit, fill).status == 200);
    before.insert("results/fits.zip");
  }
  CHECK(f.stored_files() == before);
}

TEST_CASE("Expect: 100-continue is answered at once, before the body is sent",
          "[filestore][http]") {
  server_fixture f;
  http_connection c("127.0.0.1", f.port);
  const std::string body = "result zip bytes";
  auto sent = std::chrono::steady_clock::now();
  c.write_raw("PUT /v1/worker-files/result/student/j1 HTTP/1.1\r\nHost: x\r\n"
              "Expect: 100-continue\r\nContent-Length: " +
              std::to_string(body.size()) + "\r\n\r\n");
  auto interim = c.read_until("\r\n\r\n", 2000ms);
  auto waited = std::chrono::steady_clock::now() - sent;
  CHECK(interim == "HTTP/1.1 100 Continue\r\n\r\n");
  CHECK(waited < 900ms); // libcurl would wait 1 s before sending the body anyway
  c.write_raw(body);
  auto r = c.read_response();
  CHECK(r.status == 200);
  CHECK(body_json(r) == json{{"success", true}});
  CHECK(f.get("/results/j1.zip").body == body);
  // The connection stays usable.
  CHECK(c.request("GET", "/health").status == 200);
}

TEST_CASE("one keep-alive connection serves many requests, pipelined ones included",
          "[filestore][http]") {
  server_fixture f;
  REQUIRE(f.put("/tasks/" + sha1("abc"), "abc").status == 201);
  http_connection c("127.0.0.1", f.port);
  for (int i = 0; i < 200; ++i) {
    auto r = c.request("GET", "/tasks/" + sha1("abc"));
    REQUIRE(r.status == 200);
    REQUIRE(r.body == "abc");
    REQUIRE(r.keep_alive);
  }
  std::string pipelined;
  for (int i = 0; i < 5; ++i)
    pipelined += "GET /tasks/" + sha1("abc") + " HTTP/1.1\r\nHost: x\r\n\r\n";
  c.write_raw(pipelined);
  for (int i = 0; i < 5; ++i)
    CHECK(c.read_response().body == "abc");
  auto closing = c.request("GET", "/health", {}, {{"Connection", "close"}});
  CHECK(closing.status == 200);
  CHECK_FALSE(closing.keep_alive);
  CHECK(c.closed_by_peer(5s));
}

TEST_CASE("a request that is not HTTP gets a 400 and the connection ends", "[filestore][http]") {
  server_fixture f;
  http_connection c("127.0.0.1", f.port);
  c.write_raw("THIS IS NOT HTTP\r\n\r\n");
  auto r = c.read_response();
  check_error(r, 400, "bad_request");
  CHECK(c.closed_by_peer(5s));

  http_connection big("127.0.0.1", f.port);
  big.write_raw("GET / HTTP/1.1\r\nX-Long: " + std::string(20000, 'a') + "\r\n\r\n");
  check_error(big.read_response(), 431, "header_too_large");

  // The server is still fine.
  CHECK(f.get("/health").status == 200);
}

TEST_CASE("fifty concurrent clients upload and download correctly", "[filestore][http]") {
  server_fixture f;
  constexpr int clients = 50;
  constexpr int rounds = 10;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      try {
        http_connection c("127.0.0.1", f.port);
        for (int i = 0; i < rounds; ++i) {
          std::string content = "client " + std::to_string(t) + " round " + std::to_string(i) +
                                std::string(static_cast<std::size_t>(1000 * (i + 1)), 'x');
          std::string hash = sha1(content);
          auto put = c.request("PUT", "/tasks/" + hash, content);
          auto got = c.request("GET", "/tasks/" + hash);
          auto result = c.request("PUT", "/results/c" + std::to_string(t) + ".zip", content);
          auto form = c.request("POST", "/tasks", multipart_body({{"f", content, "f"}}),
                                {multipart_content_type()});
          if (put.status != 201 || got.body != content || result.status != 200 ||
              form.status != 200)
            ++failures;
        }
      } catch (const std::exception&) {
        ++failures;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  CHECK(failures.load() == 0);
  for (int t = 0; t < clients; ++t)
    CHECK(f.get("/results/c" + std::to_string(t) + ".zip").status == 200);
}

TEST_CASE("stop() closes idle keep-alive connections and returns promptly", "[filestore][http]") {
  server_fixture f;
  std::vector<std::unique_ptr<http_connection>> idle;
  for (int i = 0; i < 10; ++i) {
    idle.push_back(std::make_unique<http_connection>("127.0.0.1", f.port));
    REQUIRE(idle.back()->request("GET", "/health").status == 200);
  }
  auto started = std::chrono::steady_clock::now();
  f.server->stop();
  CHECK(std::chrono::steady_clock::now() - started < 2s);
  for (auto& c : idle)
    CHECK(c->closed_by_peer(2s));
  f.server->stop(); // idempotent
}

TEST_CASE("stop() lets a request in flight finish, then closes its connection",
          "[filestore][http]") {
  server_fixture f;
  http_connection c("127.0.0.1", f.port);
  const std::string body(100000, 'b');
  // The 100 Continue says the server has taken the head: the request is in flight.
  c.write_raw("PUT /results/inflight.zip HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
              "Content-Length: " +
              std::to_string(body.size()) + "\r\n\r\n");
  REQUIRE(c.read_until("\r\n\r\n", 5000ms) == "HTTP/1.1 100 Continue\r\n\r\n");
  c.write_raw(body.substr(0, body.size() / 2));

  std::thread stopper([&] { f.server->stop(); });
  // stop() closes the acceptor first: wait (bounded) until new connections are refused.
  auto deadline = std::chrono::steady_clock::now() + 5s;
  bool refused = false;
  while (!refused && std::chrono::steady_clock::now() < deadline) {
    try {
      http_connection probe("127.0.0.1", f.port, 1s);
      std::this_thread::yield();
    } catch (const std::exception&) {
      refused = true;
    }
  }
  CHECK(refused);
  c.write_raw(body.substr(body.size() / 2));
  auto r = c.read_response();
  CHECK(r.status == 200);
  CHECK_FALSE(r.keep_alive);
  stopper.join();
  auto stored = f.data() / "results" / "inflight.zip";
  CHECK(fs::file_size(stored) == body.size());
}
