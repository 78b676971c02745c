// The broker's client port (spec 1) as the CLI uses it: a fresh DEALER per request (LINGER 0),
// like the core API's BrokerProxy. ZeroMQ connects lazily, so an absent broker shows up as no
// `ack` (or no stats) within the connect timeout: errc::unavailable naming the address.
#pragma once

#include "messages/result.hpp"
#include "nodes/client/client_config.hpp"

#include <string>
#include <utility>
#include <vector>

namespace recodex::client {

using header = std::pair<std::string, std::string>;

class broker_client {
public:
  explicit broker_client(client_config config);

  // eval; ok on `accept`, errc::invalid_argument with the broker's reason on `reject`.
  result<void> eval(const std::string& job_id, const std::vector<header>& headers,
                    const std::vector<std::string>& payload) const;
  // get-runtime-stats: the key/value pairs in the broker's order.
  result<std::vector<header>> runtime_stats() const;
  result<void> freeze() const;
  result<void> unfreeze() const;

private:
  result<std::vector<std::string>> exchange(const std::vector<std::string>& frames,
                                            bool expect_ack) const;
  result<void> simple(const char* command) const;

  client_config config_;
};

} // namespace recodex::client
