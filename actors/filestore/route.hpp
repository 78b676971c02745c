// The file server's routing table as a pure function: a method and a request target in, a route
// with its validated parameters (or a 404/405/400 decision) out. No sockets and no storage, so
// every path, traversal attempt and encoding quirk is tested as a table (route_test.cpp).
// Both ReCodEx families are here (spec section 4) plus our blob PUT and versioned-task API.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace recodex::filestore {

enum class http_method : std::uint8_t { get, head, post, put, delete_, options, other };

std::string_view to_string(http_method method);

// "GET" -> get, ...; anything unknown -> other (answered 405 or 404 by the router).
http_method parse_method(std::string_view name);

namespace routes {

// `latest` in a version position of a URL; storage's task_repository reads 0 as the newest.
inline constexpr std::uint32_t latest_version = 0;

// GET / : the status page (HTML, or JSON when the client accepts it).
struct status_page {};
// GET /health
struct health {};

// -- current ReCodEx worker-file routes (/v1/worker-files/...) --
// GET /v1/worker-files/submission-archive/<type>/<id>
struct worker_archive {
  std::string type; // student | reference
  std::string id;
};
// GET /v1/worker-files/exercise-file/<sha1> and /supplementary-file/<sha1>
struct worker_file {
  std::string sha1; // lowercase
};
// PUT /v1/worker-files/result/<type>/<id>
struct worker_result {
  std::string type;
  std::string id;
};

// -- legacy fileserver routes --
// POST /submissions/<id> (multipart; field name = relative path)
struct submission_upload {
  std::string id;
};
// GET /submission_archives/<id>.zip
struct submission_archive {
  std::string id;
};
// PUT /results/<id>.zip
struct result_upload {
  std::string id;
};
// GET /results/<id>.zip
struct result_download {
  std::string id;
};
// POST /tasks or /exercises (multipart; each part stored by SHA-1)
struct blob_upload {
  std::string family; // "tasks" | "exercises": replies name blobs in the family the client used
};
// GET /tasks/<sha1> or /exercises/<sha1>
struct blob_download {
  std::string family;
  std::string sha1;
};

// -- ours --
// PUT /tasks/<sha1>: the body must hash to <sha1>
struct blob_put {
  std::string sha1;
};
// GET /v1/tasks
struct task_list {};
// POST /v1/tasks/<task>/versions (multipart)
struct version_create {
  std::string task;
};
// GET /v1/tasks/<task>/versions
struct version_list {
  std::string task;
};
// GET /v1/tasks/<task>/versions/<n|latest>
struct version_get {
  std::string task;
  std::uint32_t version = latest_version;
};
// GET /v1/tasks/<task>/versions/<n|latest>/files/<name>
struct version_file {
  std::string task;
  std::uint32_t version = latest_version;
  std::string name;
};
// POST /v1/tasks/<task>/versions/<n>/revert (body, if any: the message)
struct version_revert {
  std::string task;
  std::uint32_t version = 0;
};
// GET /v1/tasks/<task>/diff?from=<n|latest>&to=<n|latest>
struct version_diff {
  std::string task;
  std::uint32_t from = latest_version;
  std::uint32_t to = latest_version;
};

// The request cannot be routed: 400 (bad parameter or target), 404 (no such path) or 405
// (known path, other method; `allow` lists the methods for the Allow header).
struct reject {
  unsigned status = 404;
  std::string code;    // machine-readable, e.g. "invalid_id", "not_found", "method_not_allowed"
  std::string message; // for humans; names the offending part
  std::string allow;   // "GET, HEAD" for 405, empty otherwise
};

} // namespace routes

using route =
    std::variant<routes::reject, routes::status_page, routes::health, routes::worker_archive,
                 routes::worker_file, routes::worker_result, routes::submission_upload,
                 routes::submission_archive, routes::result_upload, routes::result_download,
                 routes::blob_upload, routes::blob_download, routes::blob_put, routes::task_list,
                 routes::version_create, routes::version_list, routes::version_get,
                 routes::version_file, routes::version_revert, routes::version_diff>;

// Routes one request. `target` is the raw request-target (origin-form "/a/b?x=y", or
// absolute-form "http://host/a/b"); path segments are percent-decoded one by one, so "%2F" and
// "%2e%2e" can never smuggle a separator or a parent reference into a parameter.
route route_request(http_method method, std::string_view target);

// Whether a route reads a request body (uploads); the server streams those.
bool takes_body(const route& r);

// For test failure messages and debug logs: "version_file{task=t1, version=2, name=a.txt}".
std::string to_string(const route& r);

namespace routes {
// Whole-route comparison for tests (found by ADL through the route types' namespace).
bool operator==(const route& a, const route& b);
inline bool operator!=(const route& a, const route& b) {
  return !(a == b);
}
} // namespace routes

} // namespace recodex::filestore
