// The evaluator shell: the job_evaluator does the work; this turns its progress callback into
// batches (progress_relay) to whoever sent the assignment.
#include "actors/worker/evaluator_actor.hpp"

#include "actors/worker/progress_relay.hpp"
#include "messages/type_ids.hpp"

#include <caf/all.hpp>
#include <pthread.h>
#include <spdlog/spdlog.h>

namespace recodex::worker {

namespace {

struct evaluator_state {
  std::shared_ptr<evaluator_parts> parts;
  std::unique_ptr<job_evaluator> evaluator;
  std::unique_ptr<progress_relay> relay;
  static inline const char* name = "evaluator";
};

using evaluator_actor = caf::stateful_actor<evaluator_state>;

job_done evaluate(evaluator_actor* self, const job_assignment& assignment, const caf::actor& listener) {
  auto order = job_order_from(assignment);
  if (!order)
    return job_done{assignment.job_id, job_status::internal_error, order.error().message};
  spdlog::info("evaluator: [job {}] started", assignment.job_id);
  auto& relay = *self->state.relay;
  relay.deliver_to([listener](std::vector<progress>&& batch) {
    if (listener)
      caf::anon_send(listener, progress_batch{std::move(batch)});
  });
  auto done = self->state.evaluator->evaluate(
      order.value(), [&relay](const progress& state) { relay.push(state); });
  relay.flush(); // every event before the done
  spdlog::info("evaluator: [job {}] done {} {}", done.job_id, to_string(done.status), done.message);
  return done;
}

caf::behavior evaluator_behavior(evaluator_actor* self, std::shared_ptr<evaluator_parts> parts) {
  // Detached: this is the actor's own thread; named for per-thread CPU figures (bench/system).
  ::pthread_setname_np(::pthread_self(), "evaluator");
  auto& st = self->state;
  st.parts = std::move(parts);
  std::vector<const sandbox::box*> task_boxes;
  for (const auto& box : st.parts->task_boxes)
    task_boxes.push_back(&box);
  st.relay = std::make_unique<progress_relay>(st.parts->progress_window);
  st.evaluator = std::make_unique<job_evaluator>(st.parts->config, st.parts->box, *st.parts->transfer,
                                                 *st.parts->cache, st.parts->pack,
                                                 std::move(task_boxes));
  return {
    // From the listener: one job for this slot.
    [=](const job_assignment& assignment) {
      auto listener = caf::actor_cast<caf::actor>(self->current_sender());
      auto done = evaluate(self, assignment, listener);
      if (listener)
        self->send(listener, std::move(done));
    },
  };
}

} // namespace

slot_task_boxes task_boxes_per_slot(bool parallel_tasks, unsigned slots, unsigned cores) {
  const unsigned lanes = slots == 0 ? 0 : cores / slots;
  if (parallel_tasks && lanes > 1)
    return {lanes - 1, true};
  return {1, false};
}

result<std::vector<sandbox::box>> lease_task_boxes(const sandbox::box_config& config,
                                                   const sandbox::box& slot_box,
                                                   unsigned count) {
  std::vector<sandbox::box> boxes;
  for (int id = config.box_count - 1; id >= 0 && boxes.size() < count; --id) {
    if (id == slot_box.id())
      continue;
    // Box N runs as first_uid + N: this first_uid makes box `id` run as the slot's uid.
    sandbox::box_config shared_uid = config;
    shared_uid.first_uid = static_cast<int>(slot_box.uid()) - id;
    if (shared_uid.first_uid <= 0)
      continue;
    auto leased = sandbox::acquire_box(shared_uid, id);
    if (leased)
      boxes.push_back(std::move(leased).value());
    else if (leased.error().code != errc::conflict)
      return leased.error();
  }
  if (boxes.size() < count)
    return make_error(errc::conflict, "only " + std::to_string(boxes.size()) + " of " +
                                          std::to_string(count) + " task boxes are free");
  return boxes;
}

caf::actor spawn_evaluator(caf::actor_system& sys, evaluator_parts parts) {
  auto shared = std::make_shared<evaluator_parts>(std::move(parts));
  return sys.spawn<caf::detached>(evaluator_behavior, std::move(shared));
}

} // namespace recodex::worker
