// Tests actors/filestore/route.hpp: one row per request line, good and bad, compared with the
// whole route (or the whole rejection's status, code and Allow list).
#include "actors/filestore/route.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace fs = recodex::filestore;
namespace r = recodex::filestore::routes;
using fs::http_method;

namespace Catch {
template <> struct StringMaker<fs::route> {
  static std::string convert(const fs::route& value) { return fs::to_string(value); }
};
} // namespace Catch

namespace {

const std::string sha = "0123456789abcdef0123456789abcdef01234567";
const std::string sha_upper = "0123456789ABCDEF0123456789ABCDEF01234567";

struct row {
  http_method method;
  std::string target;
  fs::route expected;
};

// Rejections are compared on status, code and Allow; the message is for humans.
fs::route rejected(unsigned status, std::string code, std::string allow = {}) {
  return r::reject{status, std::move(code), {}, std::move(allow)};
}

fs::route without_message(fs::route value) {
  if (auto* x = std::get_if<r::reject>(&value))
    x->message.clear();
  return value;
}

} // namespace

TEST_CASE("every route of both families and ours is recognised with its parameters",
          "[filestore][route]") {
  auto good = std::vector<row>{
      {http_method::get, "/", r::status_page{}},
      {http_method::head, "/", r::status_page{}},
      {http_method::get, "/health", r::health{}},
      {http_method::get, "/v1/worker-files/submission-archive/student/abc_1",
       r::worker_archive{"student", "abc_1"}},
      {http_method::get, "/v1/worker-files/submission-archive/reference/x.y-z",
       r::worker_archive{"reference", "x.y-z"}},
      {http_method::get, "/v1/worker-files/exercise-file/" + sha, r::worker_file{sha}},
      {http_method::get, "/v1/worker-files/supplementary-file/" + sha, r::worker_file{sha}},
      {http_method::get, "/v1/worker-files/exercise-file/" + sha_upper, r::worker_file{sha}},
      {http_method::put, "/v1/worker-files/result/student/job42",
       r::worker_result{"student", "job42"}},
      {http_method::post, "/submissions/job42", r::submission_upload{"job42"}},
      {http_method::get, "/submission_archives/job42.zip", r::submission_archive{"job42"}},
      {http_method::get, "/submission_archives/a.b.zip", r::submission_archive{"a.b"}},
      {http_method::put, "/results/job42.zip", r::result_upload{"job42"}},
      {http_method::get, "/results/job42.zip", r::result_download{"job42"}},
      {http_method::post, "/tasks", r::blob_upload{"tasks"}},
      {http_method::post, "/exercises", r::blob_upload{"exercises"}},
      {http_method::get, "/tasks/" + sha, r::blob_download{"tasks", sha}},
      {http_method::head, "/tasks/" + sha, r::blob_download{"tasks", sha}},
      {http_method::get, "/exercises/" + sha, r::blob_download{"exercises", sha}},
      {http_method::put, "/tasks/" + sha, r::blob_put{sha}},
      {http_method::get, "/v1/tasks", r::task_list{}},
      {http_method::post, "/v1/tasks/hello/versions", r::version_create{"hello"}},
      {http_method::get, "/v1/tasks/hello/versions", r::version_list{"hello"}},
      {http_method::get, "/v1/tasks/hello/versions/3", r::version_get{"hello", 3}},
      {http_method::get, "/v1/tasks/hello/versions/latest", r::version_get{"hello", 0}},
      {http_method::get, "/v1/tasks/hello/versions/4294967295",
       r::version_get{"hello", 4294967295u}},
      {http_method::get, "/v1/tasks/hello/versions/2/files/in.txt",
       r::version_file{"hello", 2, "in.txt"}},
      {http_method::get, "/v1/tasks/hello/versions/latest/files/my%20file.txt",
       r::version_file{"hello", 0, "my file.txt"}},
      {http_method::post, "/v1/tasks/hello/versions/1/revert", r::version_revert{"hello", 1}},
      {http_method::get, "/v1/tasks/hello/diff?from=1&to=latest", r::version_diff{"hello", 1, 0}},
      {http_method::get, "/v1/tasks/hello/diff?to=2&from=1", r::version_diff{"hello", 1, 2}},
      // absolute-form targets and query strings on other routes
      {http_method::get, "http://localhost:9999/health", r::health{}},
      {http_method::get, "/tasks/" + sha + "?x=1", r::blob_download{"tasks", sha}},
      {http_method::get, "/v1/worker-files/submission-archive/student/%61bc",
       r::worker_archive{"student", "abc"}},
  };
  for (const auto& row : good) {
    INFO(std::string(fs::to_string(row.method)) + " " + row.target);
    CHECK(fs::route_request(row.method, row.target) == row.expected);
  }
}

TEST_CASE("unknown paths are 404 and known paths with other methods are 405 with Allow",
          "[filestore][route]") {
  auto bad = std::vector<row>{
      {http_method::get, "/nope", rejected(404, "not_found")},
      {http_method::get, "/v1", rejected(404, "not_found")},
      {http_method::get, "/v1/worker-files", rejected(404, "not_found")},
      {http_method::get, "/v1/worker-files/other/x/y", rejected(404, "not_found")},
      {http_method::get, "/health/", rejected(404, "not_found")},
      {http_method::get, "//health", rejected(404, "not_found")},
      {http_method::get, "/tasks/" + sha + "/more", rejected(404, "not_found")},
      {http_method::get, "/results/job42.tar", rejected(404, "not_found")},
      {http_method::get, "/results/.zip", rejected(404, "not_found")},
      {http_method::get, "/submission_archives/job42", rejected(404, "not_found")},
      {http_method::get, "/v1/tasks/t/versions/1/other", rejected(404, "not_found")},
      {http_method::post, "/health", rejected(405, "method_not_allowed", "GET, HEAD")},
      {http_method::delete_, "/", rejected(405, "method_not_allowed", "GET, HEAD")},
      {http_method::get, "/tasks", rejected(405, "method_not_allowed", "POST")},
      {http_method::put, "/exercises/" + sha, rejected(405, "method_not_allowed", "GET, HEAD")},
      {http_method::post, "/tasks/" + sha, rejected(405, "method_not_allowed", "GET, HEAD, PUT")},
      {http_method::get, "/submissions/job42", rejected(405, "method_not_allowed", "POST")},
      {http_method::post, "/results/job42.zip",
       rejected(405, "method_not_allowed", "GET, HEAD, PUT")},
      {http_method::get, "/v1/worker-files/result/student/job42",
       rejected(405, "method_not_allowed", "PUT")},
      {http_method::put, "/v1/worker-files/exercise-file/" + sha,
       rejected(405, "method_not_allowed", "GET, HEAD")},
      {http_method::delete_, "/v1/tasks/t/versions",
       rejected(405, "method_not_allowed", "GET, HEAD, POST")},
      {http_method::get, "/v1/tasks/t/versions/1/revert",
       rejected(405, "method_not_allowed", "POST")},
      {http_method::other, "/v1/tasks", rejected(405, "method_not_allowed", "GET, HEAD")},
      // the method is checked before the parameters
      {http_method::post, "/tasks/not-a-hash",
       rejected(405, "method_not_allowed", "GET, HEAD, PUT")},
  };
  for (const auto& row : bad) {
    INFO(std::string(fs::to_string(row.method)) + " " + row.target);
    CHECK(without_message(fs::route_request(row.method, row.target)) == row.expected);
  }
}

TEST_CASE("bad ids, hashes, names and versions are 400, traversal included", "[filestore][route]") {
  auto bad = std::vector<row>{
      {http_method::get, "/submission_archives/..zip", rejected(400, "invalid_id")},
      {http_method::get, "/submission_archives/%2e%2e.zip", rejected(400, "invalid_id")},
      {http_method::get, "/results/a..b.zip", rejected(400, "invalid_id")},
      {http_method::put, "/results/%2E%2E.zip", rejected(400, "invalid_id")},
      {http_method::post, "/submissions/..", rejected(400, "invalid_id")},
      {http_method::post, "/submissions/%2e%2e", rejected(400, "invalid_id")},
      {http_method::post, "/submissions/a%2Fb", rejected(400, "invalid_id")},
      {http_method::post, "/submissions/%2Fetc%2Fpasswd", rejected(400, "invalid_id")},
      {http_method::post, "/submissions/a%00b", rejected(400, "invalid_id")},
      {http_method::post, "/submissions/" + std::string(129, 'a'), rejected(400, "invalid_id")},
      {http_method::post, "/submissions/sp%20ace", rejected(400, "invalid_id")},
      {http_method::get, "/v1/worker-files/submission-archive/student/..",
       rejected(400, "invalid_id")},
      {http_method::get, "/v1/worker-files/submission-archive/teacher/x",
       rejected(400, "invalid_type")},
      {http_method::put, "/v1/worker-files/result/student/%2e%2e", rejected(400, "invalid_id")},
      {http_method::get, "/tasks/abc", rejected(400, "invalid_hash")},
      {http_method::get, "/tasks/" + sha + "0", rejected(400, "invalid_hash")},
      {http_method::get, "/tasks/" + std::string(39, 'a') + "g", rejected(400, "invalid_hash")},
      {http_method::get, "/exercises/..", rejected(400, "invalid_hash")},
      {http_method::put, "/tasks/%2e%2e", rejected(400, "invalid_hash")},
      {http_method::get, "/v1/worker-files/exercise-file/" + sha.substr(1),
       rejected(400, "invalid_hash")},
      {http_method::post, "/v1/tasks/../versions", rejected(400, "invalid_id")},
      {http_method::get, "/v1/tasks/t/versions/0", rejected(400, "invalid_version")},
      {http_method::get, "/v1/tasks/t/versions/01", rejected(400, "invalid_version")},
      {http_method::get, "/v1/tasks/t/versions/-1", rejected(400, "invalid_version")},
      {http_method::get, "/v1/tasks/t/versions/4294967296", rejected(400, "invalid_version")},
      {http_method::get, "/v1/tasks/t/versions/newest", rejected(400, "invalid_version")},
      {http_method::post, "/v1/tasks/t/versions/latest/revert", rejected(400, "invalid_version")},
      {http_method::get, "/v1/tasks/t/versions/1/files/..", rejected(400, "invalid_name")},
      {http_method::get, "/v1/tasks/t/versions/1/files/%2e%2e", rejected(400, "invalid_name")},
      {http_method::get, "/v1/tasks/t/versions/1/files/%2Fetc%2Fpasswd",
       rejected(400, "invalid_name")},
      {http_method::get, "/v1/tasks/t/versions/1/files/a%5Cb", rejected(400, "invalid_name")},
      {http_method::get, "/v1/tasks/t/diff?from=1", rejected(400, "invalid_query")},
      {http_method::get, "/v1/tasks/t/diff?from=x&to=1", rejected(400, "invalid_version")},
      {http_method::get, "/tasks/%zz", rejected(400, "bad_target")},
      {http_method::get, "/tasks/%4", rejected(400, "bad_target")},
      {http_method::get, "tasks", rejected(400, "bad_target")},
      {http_method::get, "", rejected(400, "bad_target")},
  };
  for (const auto& row : bad) {
    INFO(std::string(fs::to_string(row.method)) + " " + row.target);
    CHECK(without_message(fs::route_request(row.method, row.target)) == row.expected);
  }
}

TEST_CASE("a rejection names the offending part", "[filestore][route]") {
  auto out = fs::route_request(http_method::post, "/submissions/a%2Fb");
  auto* x = std::get_if<r::reject>(&out);
  REQUIRE(x != nullptr);
  CHECK_THAT(x->message, Catch::Contains("'a/b'"));
}

TEST_CASE("uploads are the routes that take a body", "[filestore][route]") {
  CHECK(fs::takes_body(r::blob_put{sha}));
  CHECK(fs::takes_body(r::submission_upload{"x"}));
  CHECK(fs::takes_body(r::version_revert{"t", 1}));
  CHECK_FALSE(fs::takes_body(r::blob_download{"tasks", sha}));
  CHECK_FALSE(fs::takes_body(r::reject{}));
}

TEST_CASE("every method has a name and parses back", "[filestore][route]") {
  for (auto m : {http_method::get, http_method::head, http_method::post, http_method::put,
                 http_method::delete_, http_method::options}) {
    CHECK(fs::parse_method(fs::to_string(m)) == m);
  }
  CHECK(fs::to_string(http_method::other) == "OTHER");
  CHECK(fs::parse_method("PATCH") == http_method::other);
  CHECK(fs::parse_method("get") == http_method::other); // methods are case-sensitive
}
