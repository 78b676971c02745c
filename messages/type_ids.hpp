// The project's one CAF type-id block. Every message type that may cross a process boundary is
// listed here (a later issue appends its types at the end, never in the middle, so ids stay
// stable between versions of the nodes of one cluster). tests/unit/messages sends each one
// through a real middleman connection.
#pragma once

#include "messages/filestore_messages.hpp"
#include "messages/job_messages.hpp"

#include <caf/type_id.hpp>

CAF_BEGIN_TYPE_ID_BLOCK(recodex, caf::first_custom_type_id)

  // -- file store --
  CAF_ADD_TYPE_ID(recodex, (recodex::storage::blob_info))
  CAF_ADD_TYPE_ID(recodex, (recodex::storage::manifest_entry))
  CAF_ADD_TYPE_ID(recodex, (recodex::storage::version_info))
  CAF_ADD_TYPE_ID(recodex, (recodex::storage::task_summary))
  CAF_ADD_TYPE_ID(recodex, (recodex::storage::version_diff))
  CAF_ADD_TYPE_ID(recodex, (recodex::storage::task_file))
  CAF_ADD_TYPE_ID(recodex, (recodex::put_blob))
  CAF_ADD_TYPE_ID(recodex, (recodex::find_blob))
  CAF_ADD_TYPE_ID(recodex, (recodex::push_task_version))
  CAF_ADD_TYPE_ID(recodex, (recodex::list_tasks))
  CAF_ADD_TYPE_ID(recodex, (recodex::list_task_versions))
  CAF_ADD_TYPE_ID(recodex, (recodex::get_task_version))
  CAF_ADD_TYPE_ID(recodex, (recodex::revert_task))
  CAF_ADD_TYPE_ID(recodex, (recodex::diff_task_versions))
  CAF_ADD_TYPE_ID(recodex, (recodex::blob_location))
  CAF_ADD_TYPE_ID(recodex, (recodex::task_list))
  CAF_ADD_TYPE_ID(recodex, (recodex::task_versions))

  // -- job flow (broker, bridges, workers, monitor, notifier) --
  CAF_ADD_TYPE_ID(recodex, (recodex::job_request))
  CAF_ADD_TYPE_ID(recodex, (recodex::eval_reply))
  CAF_ADD_TYPE_ID(recodex, (recodex::get_runtime_stats))
  CAF_ADD_TYPE_ID(recodex, (recodex::runtime_stats))
  CAF_ADD_TYPE_ID(recodex, (recodex::set_frozen))
  CAF_ADD_TYPE_ID(recodex, (recodex::worker_info))
  CAF_ADD_TYPE_ID(recodex, (recodex::worker_ping))
  CAF_ADD_TYPE_ID(recodex, (recodex::job_done))
  CAF_ADD_TYPE_ID(recodex, (recodex::worker_done))
  CAF_ADD_TYPE_ID(recodex, (recodex::progress))
  CAF_ADD_TYPE_ID(recodex, (recodex::worker_progress))
  CAF_ADD_TYPE_ID(recodex, (recodex::job_assignment))
  CAF_ADD_TYPE_ID(recodex, (recodex::worker_pong))
  CAF_ADD_TYPE_ID(recodex, (recodex::worker_intro))
  CAF_ADD_TYPE_ID(recodex, (recodex::job_status_report))
  CAF_ADD_TYPE_ID(recodex, (recodex::error_report))
  CAF_ADD_TYPE_ID(recodex, (recodex::progress_batch))

CAF_END_TYPE_ID_BLOCK(recodex)
