// Monitor link codec.
#include "messages/wire/monitor_codec.hpp"

#include "messages/wire/worker_codec.hpp"

namespace recodex::wire {

frames encode_monitor_progress(const progress& update) {
  if (has_task_fields(update))
    return {update.job_id, update.command, update.task_id, update.task_state};
  return {update.job_id, update.command};
}

result<progress> decode_monitor_progress(const frames& in) {
  if (in.size() != 2 && in.size() != 4)
    return frame_error(in.size() < 2 ? in.size() : 2,
                       "monitor message needs 2 or 4 frames, got " + std::to_string(in.size()));
  progress update{in[0], in[1], "", ""};
  if (in.size() == 4) {
    update.task_id = in[2];
    update.task_state = in[3];
  }
  return update;
}

} // namespace recodex::wire
