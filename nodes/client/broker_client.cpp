#include "nodes/client/broker_client.hpp"

#include "nodes/client/url.hpp"

#include <sstream>
#include <zmq.hpp>
#include <zmq_addon.hpp>

namespace recodex::client {

namespace {

std::string seconds(std::chrono::milliseconds ms) {
  std::ostringstream out;
  out << ms.count() / 1000.0 << " s";
  return out.str();
}

std::optional<std::vector<std::string>> receive(zmq::socket_t& socket,
                                                std::chrono::milliseconds timeout) {
  zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
  if (zmq::poll(&item, 1, timeout) == 0)
    return std::nullopt;
  std::vector<zmq::message_t> parts;
  if (!zmq::recv_multipart(socket, std::back_inserter(parts), zmq::recv_flags::dontwait))
    return std::nullopt;
  std::vector<std::string> frames;
  for (const auto& part : parts)
    frames.push_back(part.to_string());
  return frames;
}

} // namespace

broker_client::broker_client(client_config config) : config_(std::move(config)) {}

result<std::vector<std::string>> broker_client::exchange(const std::vector<std::string>& frames,
                                                         bool expect_ack) const {
  const std::string where = "broker at " + config_.broker;
  RECODEX_TRY_VOID(parse_url(config_.broker, "tcp", "broker address"));
  try {
    zmq::context_t context;
    zmq::socket_t socket(context, zmq::socket_type::dealer);
    socket.set(zmq::sockopt::linger, 0);
    socket.set(zmq::sockopt::sndtimeo, static_cast<int>(config_.connect_timeout.count()));
    socket.connect(config_.broker);
    std::vector<zmq::const_buffer> parts;
    for (const auto& f : frames)
      parts.emplace_back(f.data(), f.size());
    if (!zmq::send_multipart(socket, parts))
      return make_error(errc::unavailable, where + ": cannot send " + frames.front() + " within " +
                                               seconds(config_.connect_timeout));
    auto first = receive(socket, config_.connect_timeout);
    if (!first || first->empty())
      return make_error(errc::unavailable, where + ": no answer to " + frames.front() + " within " +
                                               seconds(config_.connect_timeout) +
                                               " (is the broker running?)");
    if (!expect_ack)
      return *first;
    if (first->front() != "ack")
      return make_error(errc::internal, where + ": answered " + first->front() + " instead of ack");
    if (frames.front() != "eval")
      return *first;
    auto answer = receive(socket, config_.request_timeout);
    if (!answer || answer->empty())
      return make_error(errc::unavailable, where +
                                               ": acknowledged the job but did not accept "
                                               "or reject it within " +
                                               seconds(config_.request_timeout));
    return *answer;
  } catch (const zmq::error_t& e) {
    return make_error(errc::unavailable, where + ": " + e.what());
  }
}

result<void> broker_client::eval(const std::string& job_id, const std::vector<header>& headers,
                                 const std::vector<std::string>& payload) const {
  std::vector<std::string> frames{"eval", job_id};
  for (const auto& [key, value] : headers)
    frames.push_back(key + "=" + value);
  frames.emplace_back();
  frames.insert(frames.end(), payload.begin(), payload.end());
  RECODEX_TRY(answer, exchange(frames, true));
  if (answer.front() == "accept")
    return ok();
  if (answer.front() == "reject") {
    std::string reason;
    for (std::size_t i = 1; i < answer.size(); ++i)
      reason += (i > 1 ? " " : "") + answer[i];
    return make_error(errc::invalid_argument,
                      "broker at " + config_.broker + " rejected job " + job_id + ": " + reason);
  }
  return make_error(errc::internal, "broker at " + config_.broker + ": answered " + answer.front() +
                                        " to job " + job_id);
}

result<std::vector<header>> broker_client::runtime_stats() const {
  RECODEX_TRY(frames, exchange({"get-runtime-stats"}, false));
  if (frames.size() % 2 != 0)
    return make_error(errc::internal,
                      "broker at " + config_.broker + ": runtime stats of an odd number of frames");
  std::vector<header> out;
  for (std::size_t i = 0; i + 1 < frames.size(); i += 2)
    out.emplace_back(frames[i], frames[i + 1]);
  return out;
}

result<void> broker_client::simple(const char* command) const {
  RECODEX_TRY_VOID(exchange({command}, true));
  return ok();
}

result<void> broker_client::freeze() const {
  return simple("freeze");
}
result<void> broker_client::unfreeze() const {
  return simple("unfreeze");
}

} // namespace recodex::client
