// bench/broker: jobs/s from eval to done with K instant fake workers and a client pipelining
// evals (window 64), against recodex-broker (journal off and on) and, in the same rounds,
// against three zero-logic ZeroMQ baselines: a hand-written round-robin forwarder, the same loop
// holding one job per worker, and libzmq's own forwarder device (zmq_proxy, ROUTER -> DEALER);
// ratios are taken within a round. p50/p99 latency from eval to the worker's receipt at window 1
// (broker, with zmq_proxy as the transport's reference); broker CPU with 1000 idle workers
// pinging at 1 s; broker RSS with 100 000 queued jobs; broker CPU and context switches per
// progress message forwarded from a worker to a monitor ROUTER (`jobs` messages per run).
// And a K sweep: the throughput round for K = 4, 16 and 64 workers as one table.
// Usage: broker_bench [jobs=20000] [workers=4] [only: throughput|ratio|latency|idle|rss|progress|sweep]
// RECODEX_BROKER_BIN=<path> runs another recodex-broker build (e.g. the previous commit's).
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <poll.h>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using frames = std::vector<std::string>;

zmq::context_t ctx{2};

void send(zmq::socket_t& s, const frames& f) {
  for (std::size_t i = 0; i < f.size(); ++i)
    s.send(zmq::buffer(f[i]), i + 1 < f.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
}

bool recv(zmq::socket_t& s, frames& out, int timeout_ms) {
  zmq::pollitem_t item{static_cast<void*>(s), 0, ZMQ_POLLIN, 0};
  if (zmq::poll(&item, 1, std::chrono::milliseconds{timeout_ms}) <= 0)
    return false;
  std::vector<zmq::message_t> parts;
  (void) zmq::recv_multipart(s, std::back_inserter(parts));
  out.clear();
  for (auto& p : parts)
    out.push_back(p.to_string());
  return true;
}

// -- the broker process --

struct broker_process {
  int pid = -1;
  std::uint16_t clients = 0, workers = 0;

  // monitor_port 1: nobody listens there, the broker's monitor ROUTER drops the progress.
  explicit broker_process(const std::string& extra, std::uint16_t monitor_port = 1) {
    auto path = "/tmp/broker-bench-" + std::to_string(::getpid()) + ".yml";
    std::ofstream(path) << "clients: {address: 127.0.0.1, port: 0}\n"
                           "workers: {address: 127.0.0.1, port: 0, ping_interval: 1000, max_liveness: 30}\n"
                           "monitor: {address: 127.0.0.1, port: " << monitor_port << "}\n"
                           "logger: {level: error}\n" << extra;
    int p[2];
    if (::pipe(p) != 0)
      std::exit(1);
    pid = ::fork();
    if (pid == 0) {
      ::dup2(p[1], 1);
      ::close(p[0]);
      // RECODEX_BROKER_BIN compares another build (e.g. the previous commit) in the same run.
      const char* other = std::getenv("RECODEX_BROKER_BIN");
      std::string bin = other ? other : std::string(RECODEX_BIN_DIR) + "/recodex-broker";
      ::execl(bin.c_str(), bin.c_str(), "-c", path.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(p[1]);
    std::string out;
    char c;
    int lines = 0;
    while (lines < 2 && ::read(p[0], &c, 1) == 1) {
      out += c;
      lines += c == '\n';
    }
    ::close(p[0]);
    std::istringstream in(out);
    std::string name, endpoint;
    in >> name >> endpoint;
    clients = static_cast<std::uint16_t>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1)));
    in >> name >> endpoint;
    workers = static_cast<std::uint16_t>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1)));
  }
  ~broker_process() {
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
  }
  double cpu_seconds() const {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string s((std::istreambuf_iterator<char>(in)), {});
    std::istringstream fields(s.substr(s.rfind(')') + 2));
    std::string f;
    unsigned long utime = 0, stime = 0;
    for (int i = 3; i <= 15; ++i) {
      fields >> f;
      if (i == 14)
        utime = std::stoul(f);
      if (i == 15)
        stime = std::stoul(f);
    }
    return double(utime + stime) / double(::sysconf(_SC_CLK_TCK));
  }
  // Voluntary plus involuntary context switches of every thread of the broker.
  long context_switches() const {
    long total = 0;
    std::error_code ec;
    for (auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
      std::ifstream in(task.path() / "status");
      std::string line;
      while (std::getline(in, line))
        if (line.find("ctxt_switches:") != std::string::npos)
          total += std::stol(line.substr(line.find(':') + 1));
    }
    return total;
  }
  long rss_kib() const {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("VmRSS:", 0) == 0)
        return std::stol(line.substr(6));
    return 0;
  }
};

// -- the zero-logic forwarder: ack+accept to the client, eval to the next worker, nothing else --

struct forwarder {
  zmq::socket_t clients{ctx, zmq::socket_type::router};
  zmq::socket_t workers{ctx, zmq::socket_type::router};
  std::uint16_t client_port = 0, worker_port = 0;
  std::atomic<bool> stop{false};
  std::thread thread;

  static std::uint16_t bind(zmq::socket_t& s) {
    s.set(zmq::sockopt::linger, 0);
    s.bind("tcp://127.0.0.1:*");
    auto e = s.get(zmq::sockopt::last_endpoint);
    return static_cast<std::uint16_t>(std::stoi(e.substr(e.rfind(':') + 1)));
  }
  explicit forwarder(bool one_per_worker_ = false) : one_per_worker(one_per_worker_) {
    client_port = bind(clients);
    worker_port = bind(workers);
    thread = std::thread([this] { run(); });
  }
  ~forwarder() {
    stop = true;
    thread.join();
  }
  // one_per_worker: a worker gets its next eval only after its `done` (what a ReCodEx broker
  // must do), queued evals wait in a FIFO; otherwise evals are dealt round robin at once.
  bool one_per_worker = false;

  // The worker's eval for a client's eval: the job id and the payload after the headers.
  static frames worker_eval(const std::vector<zmq::message_t>& parts) {
    frames out{"", "eval", parts[2].to_string()};
    std::size_t i = 3;
    while (i < parts.size() && parts[i].size() != 0)
      ++i;
    for (++i; i < parts.size(); ++i)
      out.push_back(parts[i].to_string());
    return out;
  }

  void run() {
    std::vector<std::string> ids; // round robin
    std::size_t next = 0;
    std::deque<std::string> idle; // one job per worker
    std::deque<frames> queued;
    zmq::pollitem_t items[] = {{static_cast<void*>(clients), 0, ZMQ_POLLIN, 0},
                               {static_cast<void*>(workers), 0, ZMQ_POLLIN, 0}};
    while (!stop) {
      zmq::poll(items, 2, 10ms);
      std::vector<zmq::message_t> parts;
      while (items[1].revents & ZMQ_POLLIN) {
        parts.clear();
        if (!zmq::recv_multipart(workers, std::back_inserter(parts), zmq::recv_flags::dontwait))
          break;
        auto command = parts.size() > 1 ? parts[1].to_string_view() : std::string_view{};
        if (command == "init")
          ids.push_back(parts[0].to_string());
        if (command == "init" || command == "done")
          idle.push_back(parts[0].to_string());
      }
      while (items[0].revents & ZMQ_POLLIN) {
        parts.clear();
        if (!zmq::recv_multipart(clients, std::back_inserter(parts), zmq::recv_flags::dontwait))
          break;
        auto id = parts[0].to_string();
        send(clients, {id, "ack"});
        if ((!one_per_worker && ids.empty()) || parts.size() < 3)
          continue;
        auto out = worker_eval(parts);
        if (one_per_worker) {
          queued.push_back(std::move(out));
        } else {
          out.front() = ids[next++ % ids.size()];
          send(workers, out);
        }
        send(clients, {id, "accept"});
      }
      while (one_per_worker && !idle.empty() && !queued.empty()) {
        queued.front().front() = idle.front();
        send(workers, queued.front());
        idle.pop_front();
        queued.pop_front();
      }
    }
  }
};

// -- libzmq's forwarder device: zmq_proxy between a ROUTER for the client and a DEALER for the
// workers --
//
// No logic of ours: the ROUTER prefixes each client message with the client's routing id, the
// DEALER deals the whole message round robin to the connected workers (no waiting for `done`),
// and a worker's reply, which must carry that routing id first, goes back through the DEALER to
// the ROUTER, which routes it to the client. So the client gets no ack/accept but the `done`,
// and a worker's `init` and `ping` reach the ROUTER with an unknown routing id and are dropped.
// The proxy has its own context with one io thread plus the proxy thread, the same threads as
// the broker's reactor (one io thread for both sockets, one thread deciding).

struct zmq_proxy_forwarder {
  zmq::context_t proxy_ctx{1};
  zmq::socket_t clients{proxy_ctx, zmq::socket_type::router};
  zmq::socket_t workers{proxy_ctx, zmq::socket_type::dealer};
  std::uint16_t client_port = 0, worker_port = 0;
  std::thread thread;

  zmq_proxy_forwarder() {
    client_port = forwarder::bind(clients);
    worker_port = forwarder::bind(workers);
    thread = std::thread([this] {
      try {
        zmq::proxy(clients, workers);
      } catch (const zmq::error_t& e) {
        // ETERM is how it stops: shutdown() below.
        if (e.num() != ETERM)
          std::fprintf(stderr, "zmq_proxy: %s\n", e.what());
      }
    });
  }
  ~zmq_proxy_forwarder() {
    proxy_ctx.shutdown();
    thread.join();
  }
};

// -- fake workers and the client --

// A job counts as completed when its worker answers it with `done` (`completed`, read by the
// client, counted just before the send): the ReCodEx broker tells the client nothing more than
// ack/accept, completion goes to the notifier. With zmq_proxy (`enveloped`) every message to a
// worker starts with the client's routing id, which the worker puts back in front of its `done`;
// otherwise the code path is the same.
struct fake_workers {
  std::atomic<long> completed{0};
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> last_send_ns{0};
  std::vector<double> latencies_us; // worker 0 only (window-1 runs use one worker)
  std::vector<std::thread> threads;
  std::size_t envelope = 0; // frames before `eval` that go back in front of `done`

  fake_workers(std::uint16_t port, int count, bool enveloped = false)
      : envelope(enveloped ? 1 : 0) {
    for (int i = 0; i < count; ++i)
      threads.emplace_back([this, port, i] { run(port, i); });
  }
  ~fake_workers() {
    stop = true;
    for (auto& t : threads)
      t.join();
  }
  void run(std::uint16_t port, int index) {
    zmq::socket_t s{ctx, zmq::socket_type::dealer};
    s.set(zmq::sockopt::linger, 0);
    s.connect("tcp://127.0.0.1:" + std::to_string(port));
    send(s, {"init", "group1", "env=c", "", "description=bench"});
    auto next_ping = clock_type::now();
    frames m;
    while (!stop) {
      if (clock_type::now() >= next_ping) {
        send(s, {"ping"});
        next_ping += 1s;
      }
      if (!recv(s, m, 5))
        continue;
      if (m.size() >= envelope + 2 && m[envelope] == "eval") {
        if (index == 0) {
          auto now = clock_type::now().time_since_epoch().count();
          latencies_us.push_back(double(now - last_send_ns.load()) / 1000.0);
        }
        frames done(m.begin(), m.begin() + long(envelope));
        done.insert(done.end(), {"done", m[envelope + 1], "OK", ""});
        // Counted before the send: with zmq_proxy the `done` itself wakes the client, which
        // must then see it counted.
        completed.fetch_add(1);
        send(s, done);
      }
    }
  }
};

struct drive_result {
  double jobs_per_s = 0;          // `jobs` over the time until the workers sent the last `done`
  long dones_returned = 0;        // `done`s that came back to the client (zmq_proxy only)
  double returned_jobs_per_s = 0; // `jobs` over the time until the last of them came back
  // Waits of up to 1 ms with the window full and nothing arriving. The workers' `done`s do not
  // wake the client (only zmq_proxy sends them back), so it sees completions at the latest
  // when such a wait ends. Harmless while the 64 jobs in flight outlast the wait (below about
  // 64 000 jobs/s, e.g. the broker); for a faster baseline every one of them is time the
  // pipeline ran dry, and a window that waits once per cycle caps it near 64 jobs / 1.35 ms.
  long empty_waits = 0;
};

// Sends `jobs` evals keeping at most `window` unfinished (sent minus the workers' `done`s, the
// same rule for every baseline); drains what comes back (ack/accept, or `done` through
// zmq_proxy) and counts the `done`s.
drive_result drive(std::uint16_t client_port, fake_workers& workers, long jobs, long window) {
  zmq::socket_t c{ctx, zmq::socket_type::dealer};
  c.set(zmq::sockopt::linger, 0);
  c.set(zmq::sockopt::rcvhwm, 0);
  c.connect("tcp://127.0.0.1:" + std::to_string(client_port));
  long base = workers.completed.load();
  long sent = 0;
  drive_result result;
  frames reply;
  auto count = [&] { result.dones_returned += !reply.empty() && reply[0] == "done"; };
  auto start = clock_type::now();
  while (workers.completed.load() - base < jobs) {
    long done = workers.completed.load() - base;
    if (sent < jobs && sent - done < window) {
      auto id = "student_" + std::to_string(base + sent);
      workers.last_send_ns = clock_type::now().time_since_epoch().count();
      send(c, {"eval", id, "hwgroup=group1", "env=c", "", "http://a/" + id, "http://r/" + id});
      ++sent;
      continue;
    }
    if (recv(c, reply, window == 1 ? 0 : 1))
      count();
    else
      result.empty_waits += window > 1;
  }
  auto end = clock_type::now();
  result.jobs_per_s = double(jobs) / std::chrono::duration<double>(end - start).count();
  while (recv(c, reply, 50)) {
    count();
    if (reply[0] == "done" && result.dones_returned == jobs)
      end = clock_type::now();
  }
  if (result.dones_returned == jobs)
    result.returned_jobs_per_s = double(jobs) / std::chrono::duration<double>(end - start).count();
  return result;
}

drive_result throughput(std::uint16_t client_port, std::uint16_t worker_port, int k, long jobs,
                        bool enveloped = false) {
  fake_workers w{worker_port, k, enveloped};
  std::this_thread::sleep_for(300ms); // let the inits land (and the connections, for zmq_proxy)
  drive(client_port, w, std::min(jobs / 10, 2000L), 64); // warm-up
  return drive(client_port, w, jobs, 64);
}

double load_average() {
  double one = 0;
  std::ifstream("/proc/loadavg") >> one;
  return one;
}

// The machine is shared and its load changes by the second, so the configurations take turns:
// each round measures all of them back to back and the ratios are taken within a round.
struct round_figures {
  double load = 0;
  drive_result limit, bound, proxy, ours, journaled;
  double cpu_us = 0, switches = 0; // the broker's, per job
};

round_figures measure_round(long jobs, int k, bool with_journal) {
  round_figures f;
  f.load = load_average();
  {
    forwarder fw;
    f.limit = throughput(fw.client_port, fw.worker_port, k, jobs);
  }
  {
    forwarder fw{true};
    f.bound = throughput(fw.client_port, fw.worker_port, k, jobs);
  }
  {
    zmq_proxy_forwarder fw;
    f.proxy = throughput(fw.client_port, fw.worker_port, k, jobs, true);
  }
  {
    broker_process b{""};
    fake_workers w{b.workers, k};
    std::this_thread::sleep_for(300ms); // let the inits land
    drive(b.clients, w, std::min(jobs / 10, 2000L), 64); // warm-up
    auto cpu0 = b.cpu_seconds();
    auto cs0 = b.context_switches();
    f.ours = drive(b.clients, w, jobs, 64);
    // Per job, independent of how loaded the machine is: what the broker itself spends.
    f.cpu_us = (b.cpu_seconds() - cpu0) * 1e6 / double(jobs);
    f.switches = double(b.context_switches() - cs0) / double(jobs);
  }
  if (with_journal) {
    auto journal = "/tmp/broker-bench-" + std::to_string(::getpid()) + ".journal";
    ::unlink(journal.c_str());
    {
      broker_process b{"journal: " + journal + "\n"};
      f.journaled = throughput(b.clients, b.workers, k, jobs);
    }
    ::unlink(journal.c_str());
  }
  return f;
}

double ratio(const drive_result& a, const drive_result& b) { return a.jobs_per_s / b.jobs_per_s; }

void throughput_rounds(long jobs, int k, int rounds, bool with_journal) {
  for (int round = 1; round <= rounds; ++round) {
    auto f = measure_round(jobs, k, with_journal);
    auto line = [](const char* name, const drive_result& d, const std::string& rest) {
      std::printf("    %-58s %7.0f  (%4ld empty 1 ms waits)%s\n", name, d.jobs_per_s, d.empty_waits,
                  rest.c_str());
    };
    auto text = [](const char* format, auto... args) {
      char buffer[256];
      std::snprintf(buffer, sizeof buffer, format, args...);
      return std::string(buffer);
    };
    std::printf("  round %d (load average %.2f), jobs/s from eval to the worker's done:\n", round,
                f.load);
    line("round-robin forwarder (ack+accept, evals dealt at once)", f.limit, "");
    line("one-job-per-worker forwarder (ack+accept)", f.bound,
         text(" = %.2f of round robin", ratio(f.bound, f.limit)));
    line("zmq_proxy ROUTER->DEALER (no ack/accept, done returned)", f.proxy,
         text(" = %.2f of round robin; %ld/%ld dones back at the client, %.0f jobs/s there",
              ratio(f.proxy, f.limit), f.proxy.dones_returned, jobs, f.proxy.returned_jobs_per_s));
    line("recodex-broker, journal off", f.ours,
         text(" = %.2f of round robin, %.2f of zmq_proxy, %.2f of one-job; %.1f us CPU, %.1f "
              "context switches per job",
              ratio(f.ours, f.limit), ratio(f.ours, f.proxy), ratio(f.ours, f.bound), f.cpu_us,
              f.switches));
    if (with_journal)
      line("recodex-broker, journal on", f.journaled,
           text(" = %.2f of the journal-off run", ratio(f.journaled, f.ours)));
    std::fflush(stdout);
  }
}

// K = 4, 16, 64 (the client's window) in one run, one table row per round. With K below the
// window the one-job-per-worker rule of the ReCodEx protocol caps the jobs in flight at K (the
// `one-job` column is that cap with no logic at all); at K = 64 it no longer binds, and the
// broker is measured against the transport.
void k_sweep(long jobs, int rounds) {
  std::printf("  K sweep, %ld jobs per run, window 64, journal off; jobs/s and ratios within a round:\n", jobs);
  std::printf("  %3s %5s %5s %8s %8s %8s %8s %9s %9s %9s %7s %7s\n", "K", "round", "load", "rr-fwd",
              "zmq_prx", "one-job", "broker", "brk/prx", "1job/prx", "brk/1job", "us/job", "cs/job");
  for (int k : {4, 16, 64}) {
    for (int round = 1; round <= rounds; ++round) {
      auto f = measure_round(jobs, k, false);
      std::printf("  %3d %5d %5.2f %8.0f %8.0f %8.0f %8.0f %9.2f %9.2f %9.2f %7.1f %7.2f\n", k, round,
                  f.load, f.limit.jobs_per_s, f.proxy.jobs_per_s, f.bound.jobs_per_s, f.ours.jobs_per_s,
                  ratio(f.ours, f.proxy), ratio(f.bound, f.proxy), ratio(f.ours, f.bound), f.cpu_us,
                  f.switches);
      std::fflush(stdout);
    }
  }
}

void latency(const char* name, std::uint16_t client_port, std::uint16_t worker_port, long jobs,
             bool enveloped = false) {
  fake_workers w{worker_port, 1, enveloped};
  std::this_thread::sleep_for(300ms);
  drive(client_port, w, 200, 1);
  w.latencies_us.clear();
  drive(client_port, w, jobs, 1);
  auto v = w.latencies_us;
  std::sort(v.begin(), v.end());
  std::printf("  %s: latency eval -> worker receipt, window 1, %zu jobs: p50 %.3f ms, p99 %.3f ms"
              " (load average %.2f)\n",
              name, v.size(), v[v.size() / 2] / 1000.0, v[v.size() * 99 / 100] / 1000.0,
              load_average());
  std::fflush(stdout);
}

void idle_workers_cpu() {
  broker_process b{""};
  std::vector<zmq::socket_t> sockets;
  for (int i = 0; i < 1000; ++i) {
    sockets.emplace_back(ctx, zmq::socket_type::dealer);
    sockets.back().set(zmq::sockopt::linger, 0);
    sockets.back().connect("tcp://127.0.0.1:" + std::to_string(b.workers));
    send(sockets.back(), {"init", "group1", "env=c", "", "description=idle"});
  }
  auto pinger = [&](std::chrono::seconds duration) {
    auto end = clock_type::now() + duration;
    frames m;
    while (clock_type::now() < end) {
      auto round = clock_type::now();
      for (std::size_t i = 0; i < sockets.size(); ++i) {
        send(sockets[i], {"ping"});
        while (true) {
          zmq::pollitem_t item{static_cast<void*>(sockets[i]), 0, ZMQ_POLLIN, 0};
          if (zmq::poll(&item, 1, 0ms) <= 0)
            break;
          std::vector<zmq::message_t> parts;
          (void) zmq::recv_multipart(sockets[i], std::back_inserter(parts));
        }
        // Spread the 1000 pings over the second, as independent workers would.
        std::this_thread::sleep_until(round + (i + 1) * 1ms);
      }
    }
  };
  pinger(2s); // all registered
  auto cpu0 = b.cpu_seconds();
  auto t0 = clock_type::now();
  pinger(10s);
  auto cpu = b.cpu_seconds() - cpu0;
  auto wall = std::chrono::duration<double>(clock_type::now() - t0).count();
  std::printf("  1000 idle workers pinging at 1 s: broker CPU %.1f %% of one core (%.2f s over %.1f s)\n",
              100.0 * cpu / wall, cpu, wall);
}

void queued_rss(long jobs) {
  broker_process b{""};
  zmq::socket_t w{ctx, zmq::socket_type::dealer};
  w.set(zmq::sockopt::linger, 0);
  w.connect("tcp://127.0.0.1:" + std::to_string(b.workers));
  send(w, {"init", "group1", "env=c", "", "description=busy"});
  std::this_thread::sleep_for(200ms);
  auto rss0 = b.rss_kib();
  zmq::socket_t c{ctx, zmq::socket_type::dealer};
  c.set(zmq::sockopt::linger, 0);
  c.set(zmq::sockopt::sndhwm, 0);
  c.set(zmq::sockopt::rcvhwm, 0);
  c.connect("tcp://127.0.0.1:" + std::to_string(b.clients));
  frames reply;
  long accepts = 0;
  for (long i = 0; i < jobs; ++i) {
    auto id = "student_" + std::to_string(i);
    send(c, {"eval", id, "hwgroup=group1", "env=c", "", "http://api.example/v1/worker-files/submission-archive/student/" + id,
             "http://api.example/v1/worker-files/result/student/" + id});
    while (recv(c, reply, 0))
      accepts += reply[0] == "accept";
    if (i % 1000 == 0)
      send(w, {"ping"});
  }
  auto end = clock_type::now() + 60s;
  while (accepts < jobs && clock_type::now() < end)
    if (recv(c, reply, 100))
      accepts += reply[0] == "accept";
  std::printf("  %ld queued jobs (%ld accepted): broker RSS %.1f MB (%.1f MB before)\n", jobs - 1, accepts,
              b.rss_kib() / 1024.0, rss0 / 1024.0);
}


// -- progress forwarding: worker -> broker -> monitor --

// What the broker spends per forwarded progress message: one worker DEALER sends `progress`
// frames, a ROUTER with the monitor's routing id receives them; at most `window` are on their
// way at a time (1: each message alone, the way progress trickles in from real jobs; 64: bursts).
// Broker CPU and context switches (all its threads) per message, over `messages`.
struct progress_figures {
  double cpu_us = 0;
  double switches = 0;
  double messages_per_s = 0;
};

progress_figures progress_cost(long messages, long window) {
  zmq::socket_t monitor{ctx, zmq::socket_type::router};
  monitor.set(zmq::sockopt::linger, 0);
  monitor.set(zmq::sockopt::routing_id, "recodex-monitor");
  monitor.set(zmq::sockopt::rcvhwm, 0);
  auto monitor_port = forwarder::bind(monitor);
  broker_process b{"", monitor_port};
  zmq::socket_t w{ctx, zmq::socket_type::dealer};
  w.set(zmq::sockopt::linger, 0);
  w.set(zmq::sockopt::sndhwm, 0);
  w.connect("tcp://127.0.0.1:" + std::to_string(b.workers));
  send(w, {"init", "group1", "env=c", "", "description=progress"});
  frames m;
  // The broker's ROUTER drops what it sends before its connection to the monitor is up.
  auto deadline = clock_type::now() + 10s;
  while (!recv(monitor, m, 20)) {
    send(w, {"progress", "student_p", "STARTED"});
    if (clock_type::now() > deadline) {
      std::printf("  progress: the monitor got nothing in 10 s\n");
      return {};
    }
  }
  while (recv(monitor, m, 100)) {
  }
  auto run = [&](long count) {
    long sent = 0, received = 0;
    while (received < count) {
      if (sent < count && sent - received < window) {
        send(w, {"progress", "student_p", "TASK", "t" + std::to_string(sent), "COMPLETED"});
        ++sent;
        continue;
      }
      if (recv(monitor, m, 1000))
        ++received;
      else
        break; // lost: reported below
    }
    return received;
  };
  run(std::min(messages / 10, 1000L)); // warm-up
  auto cpu0 = b.cpu_seconds();
  auto cs0 = b.context_switches();
  auto t0 = clock_type::now();
  auto received = run(messages);
  auto wall = std::chrono::duration<double>(clock_type::now() - t0).count();
  progress_figures f;
  f.cpu_us = (b.cpu_seconds() - cpu0) * 1e6 / double(messages);
  f.switches = double(b.context_switches() - cs0) / double(messages);
  f.messages_per_s = double(received) / wall;
  if (received < messages)
    std::printf("  progress: only %ld of %ld messages reached the monitor\n", received, messages);
  return f;
}

void progress_rounds(long messages, int rounds) {
  const char* other = std::getenv("RECODEX_BROKER_BIN");
  std::printf("  progress worker -> broker -> monitor ROUTER, %ld messages per run (%s):\n", messages,
              other ? other : "this build");
  for (int round = 1; round <= rounds; ++round) {
    double load = load_average();
    for (long window : {1L, 64L}) {
      auto f = progress_cost(messages, window);
      std::printf("    round %d window %2ld (load average %.2f): %6.1f us broker CPU, %5.2f context "
                  "switches per message, %7.0f messages/s\n",
                  round, window, load, f.cpu_us, f.switches, f.messages_per_s);
    }
    std::fflush(stdout);
  }
}

} // namespace

int main(int argc, char** argv) {
  long jobs = argc > 1 ? std::stol(argv[1]) : 20000;
  int k = argc > 2 ? std::stoi(argv[2]) : 4;
  std::string only = argc > 3 ? argv[3] : "";
  auto wanted = [&](const char* part) { return only.empty() || only == part; };
  std::signal(SIGPIPE, SIG_IGN);
  std::printf("broker bench: %ld jobs, %d instant workers, client window 64 (latency: 1)\n", jobs,
              k);
  bool ratio_only = only == "ratio"; // no journal-on run: quick comparisons
  if (wanted("throughput") || ratio_only)
    throughput_rounds(jobs, k, 3, !ratio_only);
  if (wanted("latency")) {
    {
      broker_process b{""};
      latency("recodex-broker", b.clients, b.workers, 5000);
    }
    // The transport's own latency in the same minute: what the machine allows.
    zmq_proxy_forwarder f;
    latency("zmq_proxy (reference)", f.client_port, f.worker_port, 5000, true);
  }
  if (wanted("idle"))
    idle_workers_cpu();
  if (wanted("rss"))
    queued_rss(100000);
  if (wanted("progress"))
    progress_rounds(jobs, 3);
  if (only == "sweep") // about 3 minutes: only when asked for
    k_sweep(jobs, 3);
  return 0;
}
