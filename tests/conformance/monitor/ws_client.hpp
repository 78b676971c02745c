// A blocking WebSocket client for the monitor's tests, with a timeout on every read so a
// monitor that stays silent fails a test instead of hanging it. Beast stays in ws_client.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace recodex::testing {

class ws_client {
public:
  // Connects to 127.0.0.1:port and does the WebSocket handshake on `path`. A receive buffer
  // size other than 0 makes the kernel queue little for this client (slow-client tests).
  ws_client(std::uint16_t port, const std::string& path = "/", int receive_buffer = 0);
  ~ws_client();
  ws_client(const ws_client&) = delete;
  ws_client& operator=(const ws_client&) = delete;

  void send(const std::string& text);

  // The next text message; nullopt when the server closed the connection (then close_code()
  // and close_reason() tell how). Throws when nothing arrives within `timeout`.
  std::optional<std::string> read(std::chrono::milliseconds timeout = std::chrono::seconds{10});

  int close_code() const;
  std::string close_reason() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace recodex::testing
