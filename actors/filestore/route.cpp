// The router: the target is split into percent-decoded segments, then matched by its first
// segments. A known path with another method gives 405 before its parameters are checked, so
// a client learns the Allow list even for a bad id; parameters are validated here so handlers
// only ever see ids, hashes and names that are safe to join below the data directory.
#include "actors/filestore/route.hpp"

#include "storage/names.hpp"
#include "storage/sha1.hpp"

#include <charconv>
#include <initializer_list>
#include <optional>
#include <tuple>
#include <vector>

namespace recodex::filestore {

namespace {

using segments = std::vector<std::string>;

routes::reject reject_with(unsigned status, std::string code, std::string message) {
  return routes::reject{status, std::move(code), std::move(message), {}};
}

routes::reject not_found(std::string_view path) {
  return reject_with(404, "not_found", "no route for " + std::string(path));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

// Percent-decoding of one segment or query value; nullopt on a broken escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size())
        return std::nullopt;
      int high = hex_value(text[i + 1]);
      int low = hex_value(text[i + 2]);
      if (high < 0 || low < 0)
        return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

struct parsed_target {
  std::string path; // raw, for messages
  segments parts;   // decoded; "/" gives no parts
  std::string_view query;
};

// origin-form or absolute-form (RFC 9112 3.2); anything else is a bad target.
std::variant<routes::reject, parsed_target> parse_target(std::string_view target) {
  if (target.empty())
    return reject_with(400, "bad_target", "empty request target");
  if (target.front() != '/') {
    auto scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos)
      return reject_with(400, "bad_target", "request target must start with '/'");
    auto path_start = target.find('/', scheme_end + 3);
    target =
        path_start == std::string_view::npos ? std::string_view("/") : target.substr(path_start);
  }
  parsed_target out;
  auto question = target.find('?');
  std::string_view path = target.substr(0, question);
  if (question != std::string_view::npos)
    out.query = target.substr(question + 1);
  auto hash = out.query.find('#');
  if (hash != std::string_view::npos)
    out.query = out.query.substr(0, hash);
  out.path = std::string(path);
  if (path == "/")
    return out;
  // Every segment between slashes, empty ones included: "//x" and "/x/" are not our paths.
  std::size_t start = 1;
  for (;;) {
    auto slash = path.find('/', start);
    auto raw = path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    auto decoded = percent_decode(raw, false);
    if (!decoded)
      return reject_with(400, "bad_target", "malformed percent-encoding in " + out.path);
    out.parts.push_back(std::move(*decoded));
    if (slash == std::string_view::npos)
      break;
    start = slash + 1;
  }
  return out;
}

std::optional<std::string> query_value(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    auto eq = pair.find('=');
    auto name = pair.substr(0, eq);
    if (name == key)
      return percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1),
                            true);
  }
  return std::nullopt;
}

// -- parameter checks: each returns the reject to send, or nothing --

// Ids become file and ref names; ".." anywhere is refused on top of storage's whitelist.
std::optional<routes::reject> check_id(std::string_view what, const std::string& id) {
  if (storage::is_valid_id(id) && id.find("..") == std::string::npos)
    return std::nullopt;
  return reject_with(400, "invalid_id",
                     std::string(what) + " '" + id +
                         "' is not valid: use 1-128 characters from [A-Za-z0-9_.-], no '..'");
}

std::optional<routes::reject> check_sha1(std::string& sha1) {
  if (auto normal = storage::normalize_sha1(sha1)) {
    sha1 = std::move(*normal);
    return std::nullopt;
  }
  return reject_with(400, "invalid_hash",
                     "'" + sha1 + "' is not a SHA-1: expected 40 hexadecimal digits");
}

std::optional<routes::reject> check_type(const std::string& type) {
  if (type == "student" || type == "reference")
    return std::nullopt;
  return reject_with(400, "invalid_type",
                     "submission type '" + type + "' is not valid: use student or reference");
}

// "<n>" (1 .. 2^32-1) or, when allowed, "latest" (0).
std::optional<std::uint32_t> parse_version(std::string_view text, bool allow_latest) {
  if (allow_latest && text == "latest")
    return routes::latest_version;
  if (text.empty() || text.size() > 10 || text.front() == '0')
    return std::nullopt;
  std::uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size())
    return std::nullopt;
  return value;
}

routes::reject bad_version(std::string_view text, bool allow_latest) {
  return reject_with(400, "invalid_version",
                     "version '" + std::string(text) + "' is not valid: use a number from 1" +
                         (allow_latest ? " or latest" : ""));
}

// Strips ".zip" from "<id>.zip"; the legacy routes name files that way.
std::optional<std::string> strip_zip(const std::string& name) {
  constexpr std::string_view ext = ".zip";
  if (name.size() <= ext.size() || name.compare(name.size() - ext.size(), ext.size(), ext) != 0)
    return std::nullopt;
  return name.substr(0, name.size() - ext.size());
}

// -- method dispatch --

using method_set = std::initializer_list<http_method>;

bool allows(method_set allowed, http_method method) {
  for (auto m : allowed)
    if (m == method || (m == http_method::get && method == http_method::head))
      return true;
  return false;
}

std::string allow_header(method_set allowed) {
  std::string out;
  for (auto m : allowed) {
    if (!out.empty())
      out += ", ";
    out += to_string(m);
    if (m == http_method::get)
      out += ", HEAD";
  }
  return out;
}

// Answers 405 unless `method` is allowed on this path, else builds the route. HEAD is allowed
// wherever GET is.
template <class Build>
route dispatch(http_method method, method_set allowed, const parsed_target& target, Build&& build) {
  if (!allows(allowed, method)) {
    return routes::reject{405, "method_not_allowed",
                          std::string(to_string(method)) + " is not allowed on " + target.path,
                          allow_header(allowed)};
  }
  return build(method == http_method::head ? http_method::get : method);
}

route or_reject(std::optional<routes::reject> problem, route good) {
  if (problem)
    return std::move(*problem);
  return good;
}

// /v1/worker-files/...
route route_worker_files(http_method method, const parsed_target& t) {
  const segments& s = t.parts;
  if (s.size() == 5 && s[2] == "submission-archive") {
    return dispatch(method, {http_method::get}, t, [&](http_method) -> route {
      if (auto bad = check_type(s[3]))
        return *bad;
      return or_reject(check_id("submission id", s[4]), routes::worker_archive{s[3], s[4]});
    });
  }
  if (s.size() == 4 && (s[2] == "exercise-file" || s[2] == "supplementary-file")) {
    return dispatch(method, {http_method::get}, t, [&](http_method) -> route {
      std::string sha1 = s[3];
      if (auto bad = check_sha1(sha1))
        return *bad;
      return routes::worker_file{sha1};
    });
  }
  if (s.size() == 5 && s[2] == "result") {
    return dispatch(method, {http_method::put}, t, [&](http_method) -> route {
      if (auto bad = check_type(s[3]))
        return *bad;
      return or_reject(check_id("result id", s[4]), routes::worker_result{s[3], s[4]});
    });
  }
  return not_found(t.path);
}

// /v1/tasks...
// /v1/tasks/<task>/versions/<n>/...: the task id and the version number are checked, then
// `make(version)` builds the route.
template <class Make>
route with_task_version(const std::string& task, const std::string& version_text,
                        bool allow_latest, Make make) {
  if (auto bad = check_id("task id", task))
    return *bad;
  auto version = parse_version(version_text, allow_latest);
  if (!version)
    return bad_version(version_text, allow_latest);
  return make(*version);
}

route route_versioned_tasks(http_method method, const parsed_target& t) {
  const segments& s = t.parts;
  if (s.size() == 2)
    return dispatch(method, {http_method::get}, t, [](http_method) { return routes::task_list{}; });
  const std::string& task = s[2];
  auto with_task = [&](route good) { return or_reject(check_id("task id", task), good); };
  if (s.size() == 4 && s[3] == "versions") {
    return dispatch(method, {http_method::get, http_method::post}, t, [&](http_method m) {
      return m == http_method::post ? with_task(routes::version_create{task})
                                    : with_task(routes::version_list{task});
    });
  }
  if (s.size() == 4 && s[3] == "diff") {
    return dispatch(method, {http_method::get}, t, [&](http_method) -> route {
      if (auto bad = check_id("task id", task))
        return *bad;
      auto from_text = query_value(t.query, "from");
      auto to_text = query_value(t.query, "to");
      if (!from_text || !to_text)
        return reject_with(400, "invalid_query", "diff needs ?from=<n|latest>&to=<n|latest>");
      auto from = parse_version(*from_text, true);
      if (!from)
        return bad_version(*from_text, true);
      auto to = parse_version(*to_text, true);
      if (!to)
        return bad_version(*to_text, true);
      return routes::version_diff{task, *from, *to};
    });
  }
  if (s.size() >= 5 && s[3] == "versions") {
    const std::string& version_text = s[4];
    if (s.size() == 5) {
      return dispatch(method, {http_method::get}, t, [&](http_method) -> route {
        return with_task_version(task, version_text, true, [&](std::uint32_t version) -> route {
          return routes::version_get{task, version};
        });
      });
    }
    if (s.size() == 7 && s[5] == "files") {
      return dispatch(method, {http_method::get}, t, [&](http_method) -> route {
        return with_task_version(task, version_text, true, [&](std::uint32_t version) -> route {
          if (!storage::is_valid_task_file_name(s[6]))
            return reject_with(400, "invalid_name",
                               "task file name '" + s[6] +
                                   "' is not valid: one printable path component, not . or ..");
          return routes::version_file{task, version, s[6]};
        });
      });
    }
    if (s.size() == 6 && s[5] == "revert") {
      return dispatch(method, {http_method::post}, t, [&](http_method) -> route {
        return with_task_version(task, version_text, false, [&](std::uint32_t version) -> route {
          return routes::version_revert{task, version};
        });
      });
    }
  }
  return not_found(t.path);
}

// /tasks and /exercises, legacy and ours.
route route_blobs(http_method method, const parsed_target& t) {
  const segments& s = t.parts;
  const std::string& family = s[0];
  if (s.size() == 1) {
    return dispatch(method, {http_method::post}, t,
                    [&](http_method) { return routes::blob_upload{family}; });
  }
  if (s.size() != 2)
    return not_found(t.path);
  std::string sha1 = s[1];
  if (family == "exercises") {
    return dispatch(method, {http_method::get}, t, [&](http_method) -> route {
      if (auto bad = check_sha1(sha1))
        return *bad;
      return routes::blob_download{family, sha1};
    });
  }
  return dispatch(method, {http_method::get, http_method::put}, t, [&](http_method m) {
    if (auto bad = check_sha1(sha1))
      return route{*bad};
    if (m == http_method::put)
      return route{routes::blob_put{sha1}};
    return route{routes::blob_download{family, sha1}};
  });
}

// /submissions/<id>, /submission_archives/<id>.zip, /results/<id>.zip
route route_legacy_submissions(http_method method, const parsed_target& t) {
  const segments& s = t.parts;
  if (s.size() != 2)
    return not_found(t.path);
  if (s[0] == "submissions") {
    return dispatch(method, {http_method::post}, t, [&](http_method) {
      return or_reject(check_id("submission id", s[1]), routes::submission_upload{s[1]});
    });
  }
  auto id = strip_zip(s[1]);
  if (!id)
    return not_found(t.path);
  if (s[0] == "submission_archives") {
    return dispatch(method, {http_method::get}, t, [&](http_method) {
      return or_reject(check_id("submission id", *id), routes::submission_archive{*id});
    });
  }
  return dispatch(method, {http_method::get, http_method::put}, t, [&](http_method m) {
    if (auto bad = check_id("result id", *id))
      return route{*bad};
    if (m == http_method::put)
      return route{routes::result_upload{*id}};
    return route{routes::result_download{*id}};
  });
}

// -- printing and comparison --

template <class T> struct route_name;
#define RECODEX_ROUTE_NAME(type)                                                                   \
  template <> struct route_name<routes::type> { static constexpr std::string_view value = #type; };
RECODEX_ROUTE_NAME(reject)
RECODEX_ROUTE_NAME(status_page)
RECODEX_ROUTE_NAME(health)
RECODEX_ROUTE_NAME(worker_archive)
RECODEX_ROUTE_NAME(worker_file)
RECODEX_ROUTE_NAME(worker_result)
RECODEX_ROUTE_NAME(submission_upload)
RECODEX_ROUTE_NAME(submission_archive)
RECODEX_ROUTE_NAME(result_upload)
RECODEX_ROUTE_NAME(result_download)
RECODEX_ROUTE_NAME(blob_upload)
RECODEX_ROUTE_NAME(blob_download)
RECODEX_ROUTE_NAME(blob_put)
RECODEX_ROUTE_NAME(task_list)
RECODEX_ROUTE_NAME(version_create)
RECODEX_ROUTE_NAME(version_list)
RECODEX_ROUTE_NAME(version_get)
RECODEX_ROUTE_NAME(version_file)
RECODEX_ROUTE_NAME(version_revert)
RECODEX_ROUTE_NAME(version_diff)
#undef RECODEX_ROUTE_NAME

// Each route's fields as (name, member) pairs, a table that printing and comparison both walk,
// so a field added to a route is added here once.
template <class Route, class Member> struct field {
  std::string_view name;
  Member Route::*member;
};
template <class Route, class Member> field(std::string_view, Member Route::*) -> field<Route, Member>;

template <class Route> constexpr auto fields_of = std::tuple<>{}; // routes without parameters
#define RECODEX_ROUTE_FIELDS(type, ...)                                                            \
  template <> constexpr auto fields_of<routes::type> = std::make_tuple(__VA_ARGS__);
#define RECODEX_FIELD(type, member) field{#member, &routes::type::member}
RECODEX_ROUTE_FIELDS(reject, RECODEX_FIELD(reject, status), RECODEX_FIELD(reject, code),
                     RECODEX_FIELD(reject, message), RECODEX_FIELD(reject, allow))
RECODEX_ROUTE_FIELDS(worker_archive, RECODEX_FIELD(worker_archive, type),
                     RECODEX_FIELD(worker_archive, id))
RECODEX_ROUTE_FIELDS(worker_file, RECODEX_FIELD(worker_file, sha1))
RECODEX_ROUTE_FIELDS(worker_result, RECODEX_FIELD(worker_result, type),
                     RECODEX_FIELD(worker_result, id))
RECODEX_ROUTE_FIELDS(submission_upload, RECODEX_FIELD(submission_upload, id))
RECODEX_ROUTE_FIELDS(submission_archive, RECODEX_FIELD(submission_archive, id))
RECODEX_ROUTE_FIELDS(result_upload, RECODEX_FIELD(result_upload, id))
RECODEX_ROUTE_FIELDS(result_download, RECODEX_FIELD(result_download, id))
RECODEX_ROUTE_FIELDS(blob_upload, RECODEX_FIELD(blob_upload, family))
RECODEX_ROUTE_FIELDS(blob_download, RECODEX_FIELD(blob_download, family),
                     RECODEX_FIELD(blob_download, sha1))
RECODEX_ROUTE_FIELDS(blob_put, RECODEX_FIELD(blob_put, sha1))
RECODEX_ROUTE_FIELDS(version_create, RECODEX_FIELD(version_create, task))
RECODEX_ROUTE_FIELDS(version_list, RECODEX_FIELD(version_list, task))
RECODEX_ROUTE_FIELDS(version_get, RECODEX_FIELD(version_get, task),
                     RECODEX_FIELD(version_get, version))
RECODEX_ROUTE_FIELDS(version_file, RECODEX_FIELD(version_file, task),
                     RECODEX_FIELD(version_file, version), RECODEX_FIELD(version_file, name))
RECODEX_ROUTE_FIELDS(version_revert, RECODEX_FIELD(version_revert, task),
                     RECODEX_FIELD(version_revert, version))
RECODEX_ROUTE_FIELDS(version_diff, RECODEX_FIELD(version_diff, task),
                     RECODEX_FIELD(version_diff, from), RECODEX_FIELD(version_diff, to))
#undef RECODEX_FIELD
#undef RECODEX_ROUTE_FIELDS

std::string text_of(const std::string& value) {
  return value;
}
std::string text_of(unsigned value) {
  return std::to_string(value);
}

} // namespace

std::string_view to_string(http_method method) {
  switch (method) {
  case http_method::get:
    return "GET";
  case http_method::head:
    return "HEAD";
  case http_method::post:
    return "POST";
  case http_method::put:
    return "PUT";
  case http_method::delete_:
    return "DELETE";
  case http_method::options:
    return "OPTIONS";
  case http_method::other:
    return "OTHER";
  }
  return "OTHER";
}

http_method parse_method(std::string_view name) {
  for (auto m : {http_method::get, http_method::head, http_method::post, http_method::put,
                 http_method::delete_, http_method::options})
    if (name == to_string(m))
      return m;
  return http_method::other;
}

route route_request(http_method method, std::string_view target) {
  auto parsed = parse_target(target);
  if (auto* bad = std::get_if<routes::reject>(&parsed))
    return std::move(*bad);
  const auto& t = std::get<parsed_target>(parsed);
  const segments& s = t.parts;
  if (s.empty())
    return dispatch(method, {http_method::get}, t,
                    [](http_method) { return routes::status_page{}; });
  if (s.size() == 1 && s[0] == "health")
    return dispatch(method, {http_method::get}, t, [](http_method) { return routes::health{}; });
  if (s[0] == "v1" && s.size() >= 3 && s[1] == "worker-files")
    return route_worker_files(method, t);
  if (s[0] == "v1" && s.size() >= 2 && s[1] == "tasks")
    return route_versioned_tasks(method, t);
  if (s[0] == "tasks" || s[0] == "exercises")
    return route_blobs(method, t);
  if (s[0] == "submissions" || s[0] == "submission_archives" || s[0] == "results")
    return route_legacy_submissions(method, t);
  return not_found(t.path);
}

bool takes_body(const route& r) {
  return std::visit(
      [](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        return std::is_same_v<T, routes::worker_result> ||
               std::is_same_v<T, routes::submission_upload> ||
               std::is_same_v<T, routes::result_upload> || std::is_same_v<T, routes::blob_upload> ||
               std::is_same_v<T, routes::blob_put> || std::is_same_v<T, routes::version_create> ||
               std::is_same_v<T, routes::version_revert>;
      },
      r);
}

std::string to_string(const route& r) {
  return std::visit(
      [](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        std::string out(route_name<T>::value);
        out += '{';
        bool first = true;
        std::apply(
            [&](const auto&... f) {
              ((out += (first ? "" : ", "), out += f.name, out += '=', out += text_of(x.*f.member),
                first = false),
               ...);
            },
            fields_of<T>);
        out += '}';
        return out;
      },
      r);
}

bool routes::operator==(const route& a, const route& b) {
  if (a.index() != b.index())
    return false;
  return std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        [[maybe_unused]] const T& y = std::get<T>(b);
        return std::apply([&](const auto&... f) { return ((x.*f.member == y.*f.member) && ...); },
                          fields_of<T>);
      },
      a);
}

} // namespace recodex::filestore
