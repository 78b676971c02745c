// The file-store actor: the CAF face of storage/ for other actors and for remote nodes (CLI,
// workers, tools) that reach it through the middleman. It owns nothing but a shared data_store;
// the HTTP front (http_server.hpp) serves the same store to HTTP clients, and carries the bulk
// traffic; requests here are small (one blob, one git commit).
// Failures are answered as caf::error of category "recodex" (messages/caf_error.hpp).
#pragma once

#include "messages/filestore_messages.hpp"

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <memory>

namespace recodex::storage {
class data_store;
}

namespace recodex {

using filestore_actor = caf::typed_actor<
  caf::replies_to<put_blob>::with<storage::blob_info>,
  caf::replies_to<find_blob>::with<blob_location>,
  caf::replies_to<push_task_version>::with<storage::version_info>,
  caf::replies_to<list_tasks>::with<task_list>,
  caf::replies_to<list_task_versions>::with<task_versions>,
  caf::replies_to<get_task_version>::with<storage::version_info>,
  caf::replies_to<revert_task>::with<storage::version_info>,
  caf::replies_to<diff_task_versions>::with<storage::version_diff>>;

filestore_actor spawn_filestore(caf::actor_system& system,
                                std::shared_ptr<storage::data_store> store);

} // namespace recodex
