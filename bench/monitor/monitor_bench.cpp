// Monitor benchmark: an in-process monitor (its own actor system, as the node runs it), a
// ROUTER playing the broker that sends TASK messages at a fixed rate round-robin over the
// channels, and one WebSocket subscriber per channel on one Asio thread. Each message carries
// its send time in task_id, so a subscriber measures delivery latency end to end
// (ZeroMQ -> actor -> JSON -> WebSocket). Bounded: a fixed duration, then FINISHED everywhere.
//   monitor_bench [subscribers=1000] [rate=20000] [seconds=5]
#include "actors/monitor/monitor_actor.hpp"
#include "messages/actor_system_setup.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <caf/all.hpp>
#include <zmq.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <iostream>
#include <thread>

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch()).count();
}

struct subscriber : std::enable_shared_from_this<subscriber> {
  subscriber(net::io_context& ioc, std::string channel) : ws(ioc), channel(std::move(channel)) {}
  websocket::stream<tcp::socket> ws;
  beast::flat_buffer buffer;
  std::string channel;
  std::vector<std::int64_t> latencies; // ns, TASK messages only
  bool started = false;
  bool closed = false;

  void read(std::atomic<int>& ready, std::atomic<int>& done) {
    ws.async_read(buffer, [self = shared_from_this(), &ready, &done](beast::error_code ec, std::size_t) {
      if (ec) {
        self->closed = true;
        ++done;
        return;
      }
      auto text = beast::buffers_to_string(self->buffer.data());
      self->buffer.consume(self->buffer.size());
      auto key = text.find("\"task_id\": \"");
      if (key != std::string::npos) {
        auto sent = std::stoll(text.substr(key + 12));
        self->latencies.push_back(now_ns() - sent);
      } else if (!self->started) {
        self->started = true;
        ++ready;
      }
      self->read(ready, done);
    });
  }
};

} // namespace

int main(int argc, char** argv) {
  int subscribers = argc > 1 ? std::atoi(argv[1]) : 1000;
  int rate = argc > 2 ? std::atoi(argv[2]) : 20000;
  int seconds = argc > 3 ? std::atoi(argv[3]) : 5;

  caf::actor_system_config cfg;
  recodex::configure_actor_system(cfg);
  cfg.set("scheduler.max-threads", 1);
  caf::actor_system sys{cfg};
  recodex::monitor::monitor_config config;
  config.websocket_port = 0;
  config.zeromq_port = 0;
  auto monitor = recodex::monitor::spawn_monitor(sys, config);
  if (!monitor) {
    std::cerr << monitor.error().message << "\n";
    return 1;
  }

  net::io_context ioc{1};
  std::vector<std::shared_ptr<subscriber>> subs;
  std::atomic<int> ready{0};
  std::atomic<int> done{0};
  tcp::endpoint endpoint{net::ip::make_address("127.0.0.1"), monitor.value().websocket_port};
  for (int i = 0; i < subscribers; ++i) {
    auto s = std::make_shared<subscriber>(ioc, "bench-" + std::to_string(i));
    s->ws.next_layer().connect(endpoint);
    s->ws.handshake("127.0.0.1", "/");
    s->ws.text(true);
    s->ws.write(net::buffer(s->channel));
    s->read(ready, done);
    subs.push_back(s);
  }
  std::thread io([&] { ioc.run(); });

  zmq::context_t context{1};
  zmq::socket_t broker{context, zmq::socket_type::router};
  broker.set(zmq::sockopt::linger, 0);
  broker.set(zmq::sockopt::router_mandatory, 1);
  broker.set(zmq::sockopt::sndhwm, 1000000);
  broker.connect("tcp://127.0.0.1:" + std::to_string(monitor.value().zeromq_port));
  auto send = [&](const std::vector<std::string>& frames) {
    for (;;) {
      try {
        broker.send(zmq::buffer(std::string_view{"recodex-monitor"}), zmq::send_flags::sndmore);
        for (std::size_t i = 0; i < frames.size(); ++i)
          broker.send(zmq::buffer(frames[i]),
                      i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
        return;
      } catch (const zmq::error_t& e) {
        if (e.num() != EHOSTUNREACH)
          throw;
        std::this_thread::sleep_for(std::chrono::milliseconds{1}); // link still connecting
      }
    }
  };

  // Every subscriber has its first message: all subscriptions are in.
  for (auto& s : subs)
    send({s->channel, "STARTED"});
  auto deadline = clock_type::now() + std::chrono::seconds{60};
  while (ready < subscribers && clock_type::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  if (ready < subscribers) {
    std::cerr << "only " << ready << " of " << subscribers << " subscribers ready\n";
    return 1;
  }

  // Paced sending: message k leaves at start + k / rate.
  const std::int64_t total = static_cast<std::int64_t>(rate) * seconds;
  auto start = clock_type::now();
  for (std::int64_t k = 0; k < total; ++k) {
    auto due = start + std::chrono::nanoseconds{k * 1000000000LL / rate};
    while (clock_type::now() < due)
      std::this_thread::sleep_until(due);
    send({subs[k % subscribers]->channel, "TASK", std::to_string(now_ns()), "COMPLETED"});
  }
  auto send_elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
  for (auto& s : subs)
    send({s->channel, "FINISHED"});
  deadline = clock_type::now() + std::chrono::seconds{60};
  while (done < subscribers && clock_type::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  auto all_elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
  ioc.stop();
  io.join();

  std::vector<std::int64_t> lat;
  for (auto& s : subs)
    lat.insert(lat.end(), s->latencies.begin(), s->latencies.end());
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) {
    return lat.empty() ? 0.0 : lat[std::min(lat.size() - 1, static_cast<std::size_t>(p * lat.size()))] / 1e6;
  };
  std::printf("monitor_bench: %d subscribers / channels, %d msg/s offered for %d s\n", subscribers,
              rate, seconds);
  std::printf("  sent %lld in %.2f s (%.0f msg/s), delivered %zu (%.0f msg/s over the run), lost %lld\n",
              static_cast<long long>(total), send_elapsed, total / send_elapsed, lat.size(),
              lat.size() / all_elapsed, static_cast<long long>(total) - static_cast<long long>(lat.size()));
  std::printf("  latency ms: p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n", pct(0.5), pct(0.9),
              pct(0.99), pct(0.999), lat.empty() ? 0.0 : lat.back() / 1e6);
  std::printf("  subscribers closed after FINISHED: %d of %d\n", done.load(), subscribers);
  caf::anon_send_exit(monitor.value().actor, caf::exit_reason::user_shutdown);
  return lat.size() == static_cast<std::size_t>(total) ? 0 : 2;
}
