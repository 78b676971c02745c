// The file-store actor's shell: each handler turns a request into a storage call and the
// storage result into a reply or a caf::error. No decisions live here; storage/ makes them.
#include "actors/filestore/filestore_actor.hpp"

#include "messages/caf_error.hpp"
#include "storage/data_store.hpp"

#include <caf/all.hpp>

namespace recodex {

namespace {

struct filestore_state {
  std::shared_ptr<storage::data_store> store;
  static inline const char* name = "filestore";
};

using filestore_pointer = filestore_actor::stateful_pointer<filestore_state>;

// A storage result as what a typed handler may return: the value, or our error as caf::error.
template <class T>
caf::result<T> reply(result<T>&& outcome) {
  if (outcome)
    return std::move(outcome).value();
  return to_caf_error(outcome.error());
}

filestore_actor::behavior_type filestore(filestore_pointer self,
                                         std::shared_ptr<storage::data_store> store) {
  self->state.store = std::move(store);
  auto& s = self->state;
  return {
    // Anyone: store content by its hash.
    [&s](const put_blob& request) -> caf::result<storage::blob_info> {
      std::optional<std::string_view> claimed;
      if (!request.claimed_sha1.empty())
        claimed = request.claimed_sha1;
      return reply(s.store->blobs().put(request.content, claimed));
    },
    // Anyone on the store's host: where a blob lives.
    [&s](const find_blob& request) -> caf::result<blob_location> {
      auto path = s.store->blobs().path_of(request.sha1);
      if (!path)
        return to_caf_error(path.error());
      auto size = s.store->blobs().size_of(request.sha1);
      if (!size)
        return to_caf_error(size.error());
      return blob_location{*storage::normalize_sha1(request.sha1), path.value().string(),
                           size.value()};
    },
    // Teachers' tools: versioned tasks.
    [&s](const push_task_version& request) -> caf::result<storage::version_info> {
      return reply(s.store->tasks().create_version(request.task_id, request.files, request.message));
    },
    [&s](const list_tasks&) -> caf::result<task_list> {
      auto tasks = s.store->tasks().list_tasks();
      if (!tasks)
        return to_caf_error(tasks.error());
      return task_list{std::move(tasks).value()};
    },
    [&s](const list_task_versions& request) -> caf::result<task_versions> {
      auto versions = s.store->tasks().list_versions(request.task_id);
      if (!versions)
        return to_caf_error(versions.error());
      return task_versions{request.task_id, std::move(versions).value()};
    },
    [&s](const get_task_version& request) -> caf::result<storage::version_info> {
      return reply(s.store->tasks().version(request.task_id, request.number));
    },
    [&s](const revert_task& request) -> caf::result<storage::version_info> {
      return reply(s.store->tasks().revert(request.task_id, request.number, request.message));
    },
    [&s](const diff_task_versions& request) -> caf::result<storage::version_diff> {
      return reply(s.store->tasks().diff(request.task_id, request.from, request.to));
    },
  };
}

} // namespace

filestore_actor spawn_filestore(caf::actor_system& system,
                                std::shared_ptr<storage::data_store> store) {
  // Not detached: CAF 0.17's actor_system destructor waits for a detached actor's object to be
  // destroyed, and the middleman may still hold a reference to a published actor at that point,
  // so shutdown could hang. Requests are short (one fsync or one git commit).
  return system.spawn(filestore, std::move(store));
}

} // namespace recodex
