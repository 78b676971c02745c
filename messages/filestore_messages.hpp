// Requests to the file-store actor and their replies. Replies reuse storage's value types
// (blob_info, version_info, ...) so nothing is copied field by field; this header gives those
// types their CAF 0.17 inspect overloads. Failures come back as a caf::error of category
// "recodex" (see messages/caf_error.hpp).
#pragma once

#include "storage/blob_store.hpp"
#include "storage/task_repository.hpp"

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace recodex {

// -- requests --

// Store content under its SHA-1; a non-empty claimed_sha1 must match.  -> storage::blob_info
struct put_blob {
  std::string content;
  std::string claimed_sha1;
};

// Where a blob lives on the store's host.  -> blob_location
struct find_blob {
  std::string sha1;
};

// A new version of a task with exactly these files.  -> storage::version_info
struct push_task_version {
  std::string task_id;
  std::vector<storage::task_file> files;
  std::string message;
};

// -> task_list
struct list_tasks {};

// -> task_versions
struct list_task_versions {
  std::string task_id;
};

// number 0 = newest.  -> storage::version_info
struct get_task_version {
  std::string task_id;
  std::uint32_t number = 0;
};

// A new version equal to `number`.  -> storage::version_info
struct revert_task {
  std::string task_id;
  std::uint32_t number = 0;
  std::string message;
};

// -> storage::version_diff
struct diff_task_versions {
  std::string task_id;
  std::uint32_t from = 0;
  std::uint32_t to = 0;
};

// -- replies --

struct blob_location {
  std::string sha1;
  std::string path;
  std::uint64_t size = 0;
};

struct task_list {
  std::vector<storage::task_summary> tasks;
};

struct task_versions {
  std::string task_id;
  std::vector<storage::version_info> versions;
};

// -- inspection (CAF 0.17 signature) --

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, put_blob& x) {
  return f(caf::meta::type_name("put_blob"), x.content, x.claimed_sha1);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, find_blob& x) {
  return f(caf::meta::type_name("find_blob"), x.sha1);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, push_task_version& x) {
  return f(caf::meta::type_name("push_task_version"), x.task_id, x.files, x.message);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_tasks&) {
  return f(caf::meta::type_name("list_tasks"));
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_task_versions& x) {
  return f(caf::meta::type_name("list_task_versions"), x.task_id);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, get_task_version& x) {
  return f(caf::meta::type_name("get_task_version"), x.task_id, x.number);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, revert_task& x) {
  return f(caf::meta::type_name("revert_task"), x.task_id, x.number, x.message);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, diff_task_versions& x) {
  return f(caf::meta::type_name("diff_task_versions"), x.task_id, x.from, x.to);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, blob_location& x) {
  return f(caf::meta::type_name("blob_location"), x.sha1, x.path, x.size);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_list& x) {
  return f(caf::meta::type_name("task_list"), x.tasks);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_versions& x) {
  return f(caf::meta::type_name("task_versions"), x.task_id, x.versions);
}

} // namespace recodex

namespace recodex::storage {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, blob_info& x) {
  return f(caf::meta::type_name("blob_info"), x.sha1, x.size, x.created);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, manifest_entry& x) {
  return f(caf::meta::type_name("manifest_entry"), x.name, x.sha1, x.size);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, version_info& x) {
  return f(caf::meta::type_name("version_info"), x.number, x.time, x.message, x.commit, x.files);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_summary& x) {
  return f(caf::meta::type_name("task_summary"), x.task_id, x.newest_version);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, version_diff& x) {
  return f(caf::meta::type_name("version_diff"), x.added, x.removed, x.changed);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, task_file& x) {
  return f(caf::meta::type_name("task_file"), x.name, x.content, x.sha1);
}

} // namespace recodex::storage
