// Blocking calls with deadlines on top of Asio: each step (resolve, connect, write, read) is
// started asynchronously and the io_context runs until it completes or its time is up; then
// the socket is closed and the step ends with `timed_out`. Private to the client room's .cpp
// files (Beast and Asio stay out of every other header).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <chrono>
#include <string>

namespace recodex::client::net {

namespace asio = boost::asio;
using boost::beast::error_code;

// Starts `start(handler)` (an async operation whose handler takes (error_code, ...)) and runs
// `ioc` for at most `timeout`; `cancel()` is called to end an operation still running.
template <class Start, class Cancel>
error_code run_with_timeout(asio::io_context& ioc, std::chrono::milliseconds timeout, Start&& start,
                            Cancel&& cancel) {
  bool done = false;
  error_code result;
  start([&](error_code ec, auto&&...) {
    result = ec;
    done = true;
  });
  ioc.restart();
  ioc.run_for(timeout);
  if (!done) {
    cancel();
    ioc.restart();
    ioc.run(); // the cancelled operation's handler
    return asio::error::timed_out;
  }
  return result;
}

// Resolves and connects `socket` to host:port within `timeout`.
error_code connect(asio::io_context& ioc, asio::ip::tcp::socket& socket, const std::string& host,
                   const std::string& port, std::chrono::milliseconds timeout);

} // namespace recodex::client::net
