// recodex-send-eval: the web application's side of the broker's client port, for scripts
// (deploy/cluster/cluster.sh) until the `recodex` CLI covers them. Sends one `eval` and prints
// the broker's answer, or asks for the runtime statistics.
//   recodex-send-eval eval <tcp://host:port> <job-id> <archive-url> <results-url> [header=value...]
//   recodex-send-eval stats <tcp://host:port>
// Exit 0 on accept (or stats received), 1 on reject, 2 when the broker does not answer in 10 s,
// 64 on bad usage.
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <chrono>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace {

using frames = std::vector<std::string>;

constexpr auto answer_timeout = std::chrono::milliseconds{10000};

void send(zmq::socket_t& socket, const frames& message) {
  for (std::size_t i = 0; i < message.size(); ++i)
    socket.send(zmq::buffer(message[i]), i + 1 < message.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
}

std::optional<frames> receive(zmq::socket_t& socket) {
  zmq::pollitem_t item{static_cast<void*>(socket), 0, ZMQ_POLLIN, 0};
  if (zmq::poll(&item, 1, answer_timeout) <= 0)
    return std::nullopt;
  std::vector<zmq::message_t> parts;
  (void) zmq::recv_multipart(socket, std::back_inserter(parts));
  frames out;
  for (const auto& part : parts)
    out.push_back(part.to_string());
  return out;
}

std::string joined(const frames& message) {
  std::string line;
  for (const auto& frame : message)
    line += (line.empty() ? "" : " ") + frame;
  return line;
}

int usage() {
  std::cerr << "usage: recodex-send-eval eval <tcp://host:port> <job-id> <archive-url> <results-url> "
               "[header=value...]\n"
               "       recodex-send-eval stats <tcp://host:port>\n";
  return 64;
}

int no_answer(const std::string& endpoint) {
  std::cerr << "recodex-send-eval: no answer from the broker at " << endpoint << " within 10 s\n";
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() < 2 || (args[0] != "eval" && args[0] != "stats") || (args[0] == "eval" && args.size() < 5))
    return usage();
  zmq::context_t context{1};
  zmq::socket_t socket{context, zmq::socket_type::dealer};
  socket.set(zmq::sockopt::linger, 0);
  socket.connect(args[1]);

  if (args[0] == "stats") {
    send(socket, {"get-runtime-stats"});
    auto reply = receive(socket);
    if (!reply)
      return no_answer(args[1]);
    std::cout << joined(*reply) << "\n";
    return 0;
  }

  // eval, job id, headers, empty frame, archive URL, results URL (spec 1.1).
  frames eval{"eval", args[2]};
  eval.insert(eval.end(), args.begin() + 5, args.end());
  eval.insert(eval.end(), {"", args[3], args[4]});
  send(socket, eval);
  for (;;) {
    auto reply = receive(socket);
    if (!reply)
      return no_answer(args[1]);
    if (reply->empty() || reply->front() == "ack")
      continue;
    std::cout << joined(*reply) << "\n";
    return reply->front() == "accept" ? 0 : 1;
  }
}
