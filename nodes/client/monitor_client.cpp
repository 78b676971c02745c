// Beast WebSocket client over the deadline helpers of net_timeout.hpp: one read at a time, each
// bounded by what is left of the job's time (and by a short grace after a lone FAILED).
#include "nodes/client/monitor_client.hpp"

#include "nodes/client/net_timeout.hpp"
#include "nodes/client/url.hpp"

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

namespace recodex::client {

namespace websocket = boost::beast::websocket;

namespace {

// "300 s", or "250 ms" when it is not whole seconds.
std::string duration(std::chrono::milliseconds d) {
  return d.count() % 1000 == 0 ? std::to_string(d.count() / 1000) + " s"
                               : std::to_string(d.count()) + " ms";
}

} // namespace

std::string progress_event::text() const {
  std::string out = command;
  if (!task_id.empty())
    out += " " + task_id;
  if (!task_state.empty())
    out += " " + task_state;
  return out;
}

result<progress_event> parse_progress_event(const std::string& json_text) {
  auto json = nlohmann::json::parse(json_text, nullptr, false);
  if (!json.is_object() || !json.contains("command") || !json["command"].is_string())
    return make_error(errc::invalid_argument, "not a progress message: " + json_text);
  progress_event out;
  out.command = json["command"].get<std::string>();
  if (json.contains("task_id") && json["task_id"].is_string())
    out.task_id = json["task_id"].get<std::string>();
  if (json.contains("task_state") && json["task_state"].is_string())
    out.task_state = json["task_state"].get<std::string>();
  return out;
}

std::optional<job_end> job_end_tracker::on_event(const progress_event& event, time_point now) {
  if (event.command == "FINISHED")
    return failed_at_ ? job_end::failed : job_end::finished;
  if (event.command == "FAILED") {
    if (!failed_at_)
      failed_at_ = now;
  } else {
    failed_at_.reset();
  }
  return std::nullopt;
}

std::optional<job_end> job_end_tracker::on_silence(time_point now) const {
  if (failed_at_ && now >= *failed_at_ + failed_grace)
    return job_end::failed;
  return std::nullopt;
}

std::optional<job_end_tracker::time_point> job_end_tracker::wait_until() const {
  if (failed_at_)
    return *failed_at_ + failed_grace;
  return std::nullopt;
}

result<job_end> follow_job(const client_config& config, const std::string& job_id,
                           const std::function<void(const progress_event&)>& on_event) {
  const std::string where = "monitor at " + config.monitor;
  RECODEX_TRY(address, parse_url(config.monitor, "ws", "monitor address"));
  net::asio::io_context ioc;
  websocket::stream<net::asio::ip::tcp::socket> ws(ioc);
  auto close = [&] { ws.next_layer().close(); };
  if (auto ec =
          net::connect(ioc, ws.next_layer(), address.host, address.port, config.connect_timeout))
    return make_error(errc::unavailable, where + ": cannot connect: " + ec.message());
  auto ec = net::run_with_timeout(
      ioc, config.connect_timeout,
      [&](auto handler) {
        ws.async_handshake(address.host + ":" + address.port,
                           address.path.empty() ? "/" : address.path, handler);
      },
      close);
  if (!ec)
    ec = net::run_with_timeout(
        ioc, config.connect_timeout,
        [&](auto handler) { ws.async_write(net::asio::buffer(job_id), handler); }, close);
  if (ec)
    return make_error(errc::unavailable, where + ": WebSocket handshake failed: " + ec.message());

  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + config.job_timeout;
  job_end_tracker tracker;
  for (;;) {
    const auto until = std::min(deadline, tracker.wait_until().value_or(deadline));
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock::now());
    ec = {};
    if (left.count() > 0) {
      boost::beast::flat_buffer buffer;
      ec = net::run_with_timeout(
          ioc, left, [&](auto handler) { ws.async_read(buffer, handler); }, close);
      if (!ec) {
        auto event = parse_progress_event(boost::beast::buffers_to_string(buffer.data()));
        if (!event)
          continue; // not ours to judge; the monitor only sends progress
        on_event(event.value());
        if (auto end = tracker.on_event(event.value(), clock::now()))
          return *end;
        continue;
      }
    }
    // Nothing more will come: the monitor closed the connection, or the wait ran out. A wait
    // that ran out counts as having lasted until `until` (io_context::run_for may return a
    // little early), so the job's deadline and a lone FAILED's grace are decided exactly.
    const bool closed = ec && ec != net::asio::error::timed_out;
    if (auto end = tracker.on_silence(closed ? clock::time_point::max() : until))
      return *end;
    if (closed)
      return make_error(errc::unavailable, where + ": the connection ended before job " + job_id +
                                               " finished: " + ec.message());
    if (until >= deadline)
      return make_error(errc::conflict, where + ": job " + job_id + " did not end within " +
                                            duration(config.job_timeout));
  }
}

} // namespace recodex::client
