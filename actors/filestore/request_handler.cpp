// The file server's behaviour per route: authentication first, then the router, then storage.
// Uploads keep every file uncommitted until the whole body has arrived and parsed, so a
// malformed or oversized request changes nothing that a client can see. Replies are JSON,
// except the status page and the files themselves.
#include "actors/filestore/request_handler.hpp"

#include "actors/filestore/basic_auth.hpp"
#include "actors/filestore/multipart_parser.hpp"
#include "storage/atomic_file.hpp"
#include "storage/blob_store.hpp"
#include "storage/data_store.hpp"
#include "storage/names.hpp"
#include "storage/sha1.hpp"
#include "storage/submission_store.hpp"
#include "storage/task_repository.hpp"
#include "storage/temp_cleaner.hpp"

#include <algorithm>
#include <boost/algorithm/string/trim.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>
#include <unordered_set>
#include <utility>
#include <vector>

namespace recodex::filestore {

using json = nlohmann::json;

// -- replies --

namespace {

constexpr std::size_t max_text_field = 64 * 1024; // a version message or a revert message
constexpr std::size_t max_hash_field = 128;       // a "sha1:<name>" reference

unsigned status_of(errc code) {
  switch (code) {
  case errc::invalid_argument:
  case errc::hash_mismatch:
    return 400;
  case errc::not_found:
    return 404;
  case errc::already_exists:
  case errc::conflict:
    return 409;
  case errc::too_large:
    return 413;
  case errc::unavailable:
    return 503;
  case errc::io_error:
  case errc::internal:
    return 500;
  }
  return 500;
}

// Names come from clients and may not be UTF-8: replace rather than throw.
std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

reply json_reply(unsigned status, const json& value) {
  reply r;
  r.status = status;
  r.body = dump(value);
  r.body.push_back('\n');
  return r;
}

// Opens a stored file for sendfile; the size is taken from the open file, not the path.
reply file_reply(const std::filesystem::path& path, std::string_view content_type) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    if (e == ENOENT)
      return error_reply(404, "not_found", "no such file");
    return error_reply(make_errno_error(e, "cannot open " + path.string()));
  }
  unique_fd file(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return error_reply(make_errno_error(errno, "cannot stat " + path.string()));
  reply r;
  r.content_type = std::string(content_type);
  r.file = std::move(file);
  r.file_size = static_cast<std::uint64_t>(st.st_size);
  return r;
}

constexpr std::string_view octet_stream = "application/octet-stream";
constexpr std::string_view zip_type = "application/zip";

json manifest_json(const std::string& task, const storage::version_info& v) {
  json files = json::array();
  for (const auto& f : v.files)
    files.push_back({{"name", f.name}, {"sha1", f.sha1}, {"size", f.size}});
  return {{"task", task},         {"number", v.number}, {"time", v.time},
          {"message", v.message}, {"commit", v.commit}, {"files", std::move(files)}};
}

} // namespace

reply error_reply(unsigned status, std::string_view code, std::string_view message) {
  return json_reply(status, json{{"error", message}, {"code", code}});
}

reply error_reply(const error& e) {
  return error_reply(status_of(e.code), to_string(e.code), e.message);
}

reply upload::failure(const error& e) {
  return error_reply(e);
}

// -- uploads --

namespace {

// A raw body into one file (results): PUT /results/<id>.zip and the worker-files result route.
class file_upload final : public upload {
public:
  file_upload(storage::atomic_file_writer writer, json ok_body)
      : writer_(std::move(writer)), ok_body_(std::move(ok_body)) {}

  result<void> write(std::string_view data) override { return writer_.write(data); }

  reply finish() override {
    if (auto r = writer_.commit(); !r)
      return error_reply(r.error());
    return json_reply(200, ok_body_);
  }

private:
  storage::atomic_file_writer writer_;
  json ok_body_;
};

// PUT /tasks/<sha1>: the body becomes a blob only if it hashes to the claimed SHA-1.
class blob_put_upload final : public upload {
public:
  explicit blob_put_upload(storage::blob_writer writer) : writer_(std::move(writer)) {}

  result<void> write(std::string_view data) override { return writer_.write(data); }

  reply finish() override {
    auto info = writer_.commit();
    if (!info)
      return error_reply(info.error());
    return json_reply(info.value().created ? 201 : 200, json{{"result", "OK"},
                                                             {"sha1", info.value().sha1},
                                                             {"size", info.value().size},
                                                             {"created", info.value().created}});
  }

private:
  storage::blob_writer writer_;
};

// A multipart body: the parser drives the subclass's part callbacks; a subclass that refuses a
// part records the exact reply with refuse(), other parse errors are "malformed_multipart".
class multipart_upload : public upload, protected multipart_handler {
public:
  explicit multipart_upload(std::string boundary) : parser_(std::move(boundary)) {}

  result<void> write(std::string_view data) final { return parser_.feed(data, *this); }

  reply finish() final {
    if (auto r = parser_.finish(); !r)
      return failure(r.error());
    return complete();
  }

  reply failure(const error& e) final {
    if (failure_)
      return std::move(*failure_);
    if (e.code == errc::invalid_argument)
      return error_reply(400, "malformed_multipart", e.message);
    return error_reply(e);
  }

protected:
  virtual reply complete() = 0;

  error refuse(unsigned status, std::string_view code, std::string message) {
    failure_ = error_reply(status, code, message);
    return error{errc::invalid_argument, std::move(message)};
  }

  // Each name once per request: a second part with the same name is refused, not merged.
  result<void> claim_name(const std::string& name) {
    if (!names_.insert(name).second)
      return refuse(400, "duplicate_name", "the field '" + name + "' appears twice");
    return ok();
  }

private:
  multipart_parser parser_;
  std::optional<reply> failure_;
  std::unordered_set<std::string> names_;
};

// An unnamed file in `dir` (O_TMPFILE, or a name unlinked at once where the file system lacks
// it): gone with its descriptor, so an abandoned upload leaves nothing behind.
result<unique_fd> anonymous_file(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0)
    return unique_fd(fd);
  std::string pattern = (dir / "upload-XXXXXX").string();
  fd = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (fd < 0)
    return make_errno_error(errno, "cannot create a temporary file in " + dir.string());
  ::unlink(pattern.c_str());
  return unique_fd(fd);
}

// POST /submissions/<id>: each field name is a relative path in the submission. Parts are
// spooled and enter the submission only once the whole body has parsed, because opening a
// submission file already creates the submission. The spool is memory while the request's parts
// total at most spool_in_memory (the usual few source files), and unnamed temporary files beyond:
// a new file per part (an inode to allocate) cost more than the rest of a small upload.
class submission_upload final : public multipart_upload {
public:
  submission_upload(std::string boundary, const storage::submission_store& store, std::string id)
      : multipart_upload(std::move(boundary)), store_(store), id_(std::move(id)) {}

protected:
  result<void> on_part_begin(const part_header& header) override {
    if (!storage::is_valid_relative_path(header.name))
      return refuse(400, "invalid_name",
                    "'" + header.name +
                        "' is not a valid relative path (no leading '/', no '.' or '..', no '\\')");
    RECODEX_TRY_VOID(claim_name(header.name));
    files_.push_back(spooled{header.name, {}, unique_fd{}});
    return ok();
  }
  result<void> on_part_data(std::string_view data) override {
    auto& file = files_.back();
    if (!file.fd && in_memory_ + data.size() <= spool_in_memory) {
      file.memory.append(data);
      in_memory_ += data.size();
      return ok();
    }
    if (!file.fd) { // over the budget: this part moves to a file
      RECODEX_TRY(spool, anonymous_file(store_.temp_dir()));
      file.fd = std::move(spool);
      RECODEX_TRY_VOID(write_spool(file, file.memory));
      in_memory_ -= file.memory.size();
      std::string().swap(file.memory);
    }
    return write_spool(file, data);
  }
  result<void> on_part_end() override { return ok(); }

  reply complete() override {
    auto stored = store_whole();
    if (!stored)
      return error_reply(stored.error());
    if (!stored.value() && (stored = store_file_by_file(), !stored))
      return error_reply(stored.error());
    return json_reply(200, json{{"archive_path", "/submission_archives/" + id_ + ".zip"},
                                {"result_path", "/results/" + id_ + ".zip"}});
  }

private:
  // A new submission whose parts all stayed in memory is stored as its archive (two fsyncs);
  // false when it is not new, is larger, or has no files (its files are added one by one then,
  // and a POST without files stores nothing, as always).
  result<bool> store_whole() {
    if (files_.empty() ||
        std::any_of(files_.begin(), files_.end(), [](const spooled& f) { return bool(f.fd); }))
      return false;
    std::vector<storage::zip_file> files; // copies: at most spool_in_memory bytes in all
    for (const auto& file : files_)
      files.push_back({file.name, file.memory});
    return store_.store_new_unowned(id_, files);
  }

  result<bool> store_file_by_file() {
    std::vector<storage::atomic_file_writer> writers;
    for (auto& file : files_) {
      RECODEX_TRY(writer, store_.begin_submission_file(id_, file.name));
      RECODEX_TRY_VOID(copy_spool(file, writer));
      writers.push_back(std::move(writer));
    }
    // One durable step for the whole submission: one fsync per file and per directory, rather
    // than per file and its directory each (see commit_all).
    RECODEX_TRY_VOID(storage::commit_all(writers));
    return true;
  }

  static constexpr std::size_t spool_in_memory = 1 << 20;
  struct spooled {
    std::string name;
    std::string memory; // the content while `fd` is not open
    unique_fd fd;
  };
  std::filesystem::path spool_name(const spooled& file) const {
    return store_.temp_dir() / ("(spool of " + file.name + ")");
  }
  result<void> write_spool(spooled& file, std::string_view data) {
    return storage::write_fully(file.fd.get(), data.data(), data.size(), spool_name(file));
  }
  result<void> copy_spool(spooled& file, storage::atomic_file_writer& writer) {
    if (!file.fd)
      return writer.write(file.memory);
    if (::lseek(file.fd.get(), 0, SEEK_SET) != 0)
      return make_errno_error(errno, "cannot rewind " + spool_name(file).string());
    return storage::read_chunks(file.fd.get(), spool_name(file),
                                [&](std::string_view chunk) { return writer.write(chunk); });
  }
  const storage::submission_store& store_;
  std::string id_;
  std::vector<spooled> files_;
  std::size_t in_memory_ = 0; // bytes of all parts held in memory
};

// POST /tasks and /exercises: every part becomes a blob named by its SHA-1.
class blob_multipart_upload final : public multipart_upload {
public:
  blob_multipart_upload(std::string boundary, const storage::blob_store& blobs, std::string family)
      : multipart_upload(std::move(boundary)), blobs_(blobs), family_(std::move(family)) {}

protected:
  result<void> on_part_begin(const part_header& header) override {
    RECODEX_TRY_VOID(claim_name(header.name));
    RECODEX_TRY(writer, blobs_.begin_write());
    files_.emplace_back(header.name, std::move(writer));
    return ok();
  }
  result<void> on_part_data(std::string_view data) override {
    return files_.back().second.write(data);
  }
  result<void> on_part_end() override { return ok(); }

  reply complete() override {
    json files = json::object();
    for (auto& [field, writer] : files_) {
      auto info = writer.commit();
      if (!info)
        return error_reply(info.error());
      files[field] = "/" + family_ + "/" + info.value().sha1;
    }
    return json_reply(200, json{{"result", "OK"}, {"files", std::move(files)}});
  }

private:
  const storage::blob_store& blobs_;
  std::string family_;
  std::vector<std::pair<std::string, storage::blob_writer>> files_;
};

// POST /v1/tasks/<task>/versions: file parts (with a filename) named by their field, a
// "message" field, and "sha1:<name>" fields naming blobs already stored.
class version_upload final : public multipart_upload {
public:
  version_upload(std::string boundary, const storage::blob_store& blobs,
                 storage::task_repository& tasks, std::string task)
      : multipart_upload(std::move(boundary)), blobs_(blobs), tasks_(tasks),
        task_(std::move(task)) {}

protected:
  result<void> on_part_begin(const part_header& header) override {
    if (header.filename) {
      RECODEX_TRY_VOID(check_file_name(header.name));
      RECODEX_TRY(writer, blobs_.begin_write());
      files_.emplace_back(header.name, std::move(writer));
      current_ = part_kind::file;
      return ok();
    }
    if (header.name == "message") {
      RECODEX_TRY_VOID(claim_name("message"));
      current_ = part_kind::message;
      return ok();
    }
    constexpr std::string_view ref_prefix = "sha1:";
    if (header.name.compare(0, ref_prefix.size(), ref_prefix) == 0) {
      std::string name = header.name.substr(ref_prefix.size());
      RECODEX_TRY_VOID(check_file_name(name));
      refs_.emplace_back(std::move(name), std::string());
      current_ = part_kind::ref;
      return ok();
    }
    return refuse(400, "unexpected_field",
                  "field '" + header.name +
                      "' has no filename: file parts need one, text fields are 'message' and "
                      "'sha1:<name>'");
  }

  result<void> on_part_data(std::string_view data) override {
    switch (current_) {
    case part_kind::file:
      return files_.back().second.write(data);
    case part_kind::message:
      if (message_.size() + data.size() > max_text_field)
        return refuse(413, "too_large", "the message is longer than 64 KiB");
      message_.append(data);
      return ok();
    case part_kind::ref:
      if (refs_.back().second.size() + data.size() > max_hash_field)
        return refuse(400, "invalid_hash",
                      "field 'sha1:" + refs_.back().first + "' does not hold a SHA-1");
      refs_.back().second.append(data);
      return ok();
    }
    return ok();
  }
  result<void> on_part_end() override { return ok(); }

  reply complete() override {
    std::vector<storage::task_file> files;
    for (auto& [name, text] : refs_) {
      auto sha1 = storage::normalize_sha1(boost::algorithm::trim_copy(text));
      if (!sha1)
        return error_reply(400, "invalid_hash",
                           "field 'sha1:" + name + "' does not hold a SHA-1: '" + text + "'");
      files.push_back(storage::task_file::with_sha1(name, *sha1));
    }
    for (auto& [name, writer] : files_) {
      auto info = writer.commit();
      if (!info)
        return error_reply(info.error());
      files.push_back(storage::task_file::with_sha1(name, info.value().sha1));
    }
    auto version = tasks_.create_version(task_, files, message_);
    if (!version) {
      // A referenced hash that is not stored is the client's mistake, not a missing route.
      if (version.error().code == errc::not_found)
        return error_reply(400, "unknown_blob", version.error().message);
      return error_reply(version.error());
    }
    return json_reply(201, manifest_json(task_, version.value()));
  }

private:
  enum class part_kind { file, message, ref };

  result<void> check_file_name(const std::string& name) {
    if (!storage::is_valid_task_file_name(name))
      return refuse(400, "invalid_name",
                    "task file name '" + name + "' is not valid: one printable path component");
    return claim_name("file:" + name);
  }

  const storage::blob_store& blobs_;
  storage::task_repository& tasks_;
  std::string task_;
  part_kind current_ = part_kind::file;
  std::vector<std::pair<std::string, storage::blob_writer>> files_;
  std::vector<std::pair<std::string, std::string>> refs_;
  std::string message_;
};

// POST /v1/tasks/<task>/versions/<n>/revert: the body, if any, is the message.
class revert_upload final : public upload {
public:
  revert_upload(storage::task_repository& tasks, std::string task, std::uint32_t version)
      : tasks_(tasks), task_(std::move(task)), version_(version) {}

  result<void> write(std::string_view data) override {
    if (message_.size() + data.size() > max_text_field)
      return error{errc::too_large, "the revert message is longer than 64 KiB"};
    message_.append(data);
    return ok();
  }

  reply finish() override {
    auto version = tasks_.revert(task_, version_, boost::algorithm::trim_copy(message_));
    if (!version)
      return error_reply(version.error());
    return json_reply(201, manifest_json(task_, version.value()));
  }

private:
  storage::task_repository& tasks_;
  std::string task_;
  std::uint32_t version_;
  std::string message_;
};

} // namespace

// -- the handler --

struct request_handler::impl {
  impl(filestore_config c, const server_stats& s, std::shared_ptr<storage::data_store> st)
      : config(std::move(c)), stats(s), store(std::move(st)), blobs(store->blobs()),
        submissions(store->submissions()), tasks(store->tasks()) {}

  filestore_config config;
  const server_stats& stats;
  std::shared_ptr<storage::data_store> store;
  const storage::blob_store& blobs;
  const storage::submission_store& submissions;
  storage::task_repository& tasks;

  decision handle(const request_head& head);
  decision dispatch(const request_head& head, route& r);
  reply status_page(const request_head& head) const;
  result<std::string> boundary_of(const request_head& head) const;
};

namespace {

template <class... F> struct overloaded : F... { using F::operator()...; };
template <class... F> overloaded(F...) -> overloaded<F...>;

// Any error from opening an upload becomes the reply.
template <class T> decision upload_or_error(result<T> r) {
  if (!r)
    return error_reply(r.error());
  return std::move(r.value());
}

} // namespace

result<std::string> request_handler::impl::boundary_of(const request_head& head) const {
  return multipart_boundary(head.content_type);
}

decision request_handler::impl::dispatch(const request_head& head, route& r) {
  auto serve_blob = [this](const std::string& sha1) -> decision {
    auto path = blobs.path_of(sha1);
    if (!path)
      return error_reply(path.error().code == errc::not_found
                             ? error{errc::not_found, "no file with SHA-1 " + sha1}
                             : path.error());
    return file_reply(path.value(), octet_stream);
  };
  auto serve_archive = [this](std::string id) -> decision {
    return deferred([this, id = std::move(id)]() -> reply {
      auto path = submissions.archive(id);
      if (!path)
        return error_reply(path.error());
      return file_reply(path.value(), zip_type);
    });
  };
  auto receive_result = [this](const std::string& id, json ok_body) -> decision {
    auto writer = submissions.begin_result(id);
    if (!writer)
      return error_reply(writer.error());
    return std::make_unique<file_upload>(std::move(writer.value()), std::move(ok_body));
  };
  auto multipart = [&](auto make) -> decision {
    auto boundary = boundary_of(head);
    if (!boundary)
      return error_reply(400, "malformed_multipart", boundary.error().message);
    return make(std::move(boundary.value()));
  };
  storage::task_repository& repo = tasks;

  return std::visit(
      overloaded{
          [&](routes::reject& x) -> decision {
            auto out = error_reply(x.status, x.code, x.message);
            out.allow = std::move(x.allow);
            return out;
          },
          [&](routes::status_page&) -> decision { return status_page(head); },
          [&](routes::health&) -> decision {
            return json_reply(200, json{{"status", "ok"}});
          },
          [&](routes::worker_archive& x) -> decision { return serve_archive(std::move(x.id)); },
          [&](routes::worker_file& x) -> decision { return serve_blob(x.sha1); },
          [&](routes::worker_result& x) -> decision {
            return receive_result(x.id, json{{"success", true}});
          },
          [&](routes::submission_upload& x) -> decision {
            return multipart([&](std::string boundary) -> decision {
              return std::make_unique<submission_upload>(std::move(boundary), submissions,
                                                         std::move(x.id));
            });
          },
          [&](routes::submission_archive& x) -> decision { return serve_archive(std::move(x.id)); },
          [&](routes::result_upload& x) -> decision {
            return receive_result(x.id, json{{"result", "OK"}});
          },
          [&](routes::result_download& x) -> decision {
            auto path = submissions.result_file(x.id);
            if (!path)
              return error_reply(path.error());
            return file_reply(path.value(), zip_type);
          },
          [&](routes::blob_upload& x) -> decision {
            return multipart([&](std::string boundary) -> decision {
              return std::make_unique<blob_multipart_upload>(std::move(boundary), blobs,
                                                             std::move(x.family));
            });
          },
          [&](routes::blob_download& x) -> decision { return serve_blob(x.sha1); },
          [&](routes::blob_put& x) -> decision {
            auto writer = blobs.begin_write(std::string_view(x.sha1));
            if (!writer)
              return error_reply(writer.error());
            return std::make_unique<blob_put_upload>(std::move(writer.value()));
          },
          [&](routes::task_list&) -> decision {
            return deferred([&repo]() -> reply {
              auto list = repo.list_tasks();
              if (!list)
                return error_reply(list.error());
              json tasks = json::array();
              for (const auto& t : list.value())
                tasks.push_back({{"task", t.task_id}, {"newest_version", t.newest_version}});
              return json_reply(200, json{{"tasks", std::move(tasks)}});
            });
          },
          [&](routes::version_create& x) -> decision {
            return multipart([&](std::string boundary) -> decision {
              return std::make_unique<version_upload>(std::move(boundary), blobs, repo,
                                                      std::move(x.task));
            });
          },
          [&](routes::version_list& x) -> decision {
            return deferred([&repo, task = std::move(x.task)]() -> reply {
              auto list = repo.list_versions(task);
              if (!list)
                return error_reply(list.error());
              json versions = json::array();
              for (const auto& v : list.value())
                versions.push_back(manifest_json(task, v));
              return json_reply(200, json{{"task", task}, {"versions", std::move(versions)}});
            });
          },
          [&](routes::version_get& x) -> decision {
            return deferred([&repo, task = std::move(x.task), number = x.version]() -> reply {
              auto v = repo.version(task, number);
              if (!v)
                return error_reply(v.error());
              return json_reply(200, manifest_json(task, v.value()));
            });
          },
          [&](routes::version_file& x) -> decision {
            return deferred([this, &repo, x = std::move(x)]() -> reply {
              auto entry = repo.resolve(x.task, x.version, x.name);
              if (!entry)
                return error_reply(entry.error());
              auto path = blobs.path_of(entry.value().sha1);
              if (!path)
                return error_reply(path.error());
              return file_reply(path.value(), octet_stream);
            });
          },
          [&](routes::version_revert& x) -> decision {
            return std::make_unique<revert_upload>(repo, std::move(x.task), x.version);
          },
          [&](routes::version_diff& x) -> decision {
            return deferred([&repo, x = std::move(x)]() -> reply {
              auto d = repo.diff(x.task, x.from, x.to);
              if (!d)
                return error_reply(d.error());
              return json_reply(200, json{{"task", x.task},
                                          {"from", x.from},
                                          {"to", x.to},
                                          {"added", d.value().added},
                                          {"removed", d.value().removed},
                                          {"changed", d.value().changed}});
            });
          },
      },
      r);
}

decision request_handler::impl::handle(const request_head& head) {
  if (config.auth && !basic_authorization_matches(head.authorization, config.auth->username,
                                                  config.auth->password)) {
    auto out = error_reply(401, "unauthorized",
                           head.authorization.empty() ? "this server requires credentials"
                                                      : "wrong credentials");
    out.challenge = true;
    return out;
  }
  route r = route_request(head.method, head.target);
  if (takes_body(r) && head.content_length && *head.content_length > config.max_upload_size)
    return error_reply(413, "too_large",
                       "the body of " + std::to_string(*head.content_length) +
                           " bytes exceeds the limit of " + std::to_string(config.max_upload_size));
  return dispatch(head, r);
}

reply request_handler::impl::status_page(const request_head& head) const {
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                 stats.started)
                    .count();
  json status{{"service", "recodex-fileserver"},
              {"uptime_seconds", uptime},
              {"requests", stats.requests.load(std::memory_order_relaxed)},
              {"connections_open", stats.connections_open.load(std::memory_order_relaxed)},
              {"connections_total", stats.connections_total.load(std::memory_order_relaxed)},
              {"max_upload_size", config.max_upload_size},
              {"auth", config.auth.has_value()}};
  if (head.accept.find("application/json") != std::string_view::npos)
    return json_reply(200, status);
  reply r;
  r.content_type = "text/html; charset=utf-8";
  r.body = "<!doctype html>\n<html><head><title>recodex-fileserver</title></head><body>\n"
           "<h1>recodex-fileserver</h1>\n<table>\n";
  for (const auto& [key, value] : status.items())
    r.body += "<tr><th>" + key + "</th><td>" + dump(value) + "</td></tr>\n";
  r.body += "</table>\n<p>Routes: /v1/worker-files/..., /submissions, /submission_archives, "
            "/results, /tasks, /exercises, /v1/tasks, /health</p>\n</body></html>\n";
  return r;
}

request_handler::request_handler(std::unique_ptr<impl> impl) : impl_(std::move(impl)) {}
request_handler::~request_handler() = default;

result<std::unique_ptr<request_handler>> request_handler::open(const filestore_config& config,
                                                               const server_stats& stats) {
  RECODEX_TRY(store, storage::data_store::open(config.data_dir, config.max_upload_size));
  return open(config, stats, std::move(store));
}

result<std::unique_ptr<request_handler>>
request_handler::open(const filestore_config& config, const server_stats& stats,
                      std::shared_ptr<storage::data_store> store) {
  if (!store)
    return error{errc::invalid_argument, "the file server needs a data store"};
  auto state = std::make_unique<impl>(config, stats, std::move(store));
  return std::unique_ptr<request_handler>(new request_handler(std::move(state)));
}

decision request_handler::handle(const request_head& head) const {
  try {
    return impl_->handle(head);
  } catch (const std::exception& e) {
    return error_reply(500, "internal", std::string("unexpected failure: ") + e.what());
  } catch (...) {
    return error_reply(500, "internal", "unexpected failure");
  }
}

std::string request_handler::clean_temporaries() const {
  auto report = storage::clean_temp_dir(impl_->submissions.temp_dir(), impl_->config.temp_max_age,
                                        std::filesystem::file_time_type::clock::now());
  auto stale = impl_->blobs.remove_stale_temporaries(impl_->config.temp_max_age);
  return "temp cleaning removed " + std::to_string(report.removed) + " entries (" +
         std::to_string(report.failed) + " failed) and " + std::to_string(stale) +
         " stale blob temporaries";
}

const filestore_config& request_handler::config() const {
  return impl_->config;
}

} // namespace recodex::filestore
