#include "actors/worker/worker_slots.hpp"

#include "actors/worker/environments/environment_definition.hpp"
#include "actors/worker/environments/environment_detector.hpp"
#include "actors/worker/listener/listener_actor.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

namespace recodex::worker {

result<header_list> installed_environment_headers(const std::filesystem::path& dir) {
  RECODEX_TRY(definitions, load_environments(dir));
  for (const auto& d : definitions)
    if (auto why = why_not_installed(d); !why.empty())
      spdlog::info("environment {} not advertised: {}", d.id, why);
  header_list out;
  for (auto& [key, value] : environment_headers(installed_environments(definitions)))
    out.push_back({std::move(key), std::move(value)});
  return out;
}

result<worker_slot> start_worker_slot(caf::actor_system& sys, evaluator_parts parts, listener_config listener) {
  worker_slot slot{spawn_evaluator(sys, std::move(parts)), {}};
  auto spawned = spawn_listener(sys, std::move(listener), slot.evaluator);
  if (!spawned) {
    caf::anon_send_exit(slot.evaluator, caf::exit_reason::user_shutdown);
    return spawned.error();
  }
  slot.listener = spawned.value();
  return slot;
}

bool stop_worker_slots(caf::actor_system& sys, const std::vector<worker_slot>& slots,
                       std::chrono::milliseconds grace) {
  caf::scoped_actor self{sys};
  for (const auto& s : slots) {
    self->monitor(s.evaluator);
    caf::anon_send_exit(s.listener, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(s.evaluator, caf::exit_reason::user_shutdown);
  }
  std::size_t down = 0;
  bool timed_out = false;
  while (down < slots.size() && !timed_out)
    self->receive([&](const caf::down_msg&) { ++down; }, caf::after(grace) >> [&] { timed_out = true; });
  if (timed_out)
    spdlog::warn("{} slot(s) still running a job after {} ms; abandoning them", slots.size() - down,
                 grace.count());
  return !timed_out;
}

} // namespace recodex::worker
