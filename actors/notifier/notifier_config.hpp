// Settings of the HTTP status callbacks (spec 2.9, config key `notifier`): where the web
// application listens, its Basic credentials, and the retry schedule.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace recodex::notifier {

struct notifier_config {
  std::string address;      // URL prefix, e.g. https://host/api/v1/broker-reports; empty = off
  std::uint16_t port = 0;   // overrides the URL's port when non-zero (CURLOPT_PORT)
  std::string username;     // Basic auth when username or password is set
  std::string password;
  // PEM file of certificates trusted for https besides the system's (a private CA, or a
  // self-signed web application); empty: system CAs only.
  std::string ca_file;
  // ReCodEx: up to 4 attempts, waiting 1, 2, 4, 8 s after failures (the last one only
  // matters if attempts is raised).
  unsigned attempts = 4;
  std::vector<std::chrono::milliseconds> retry_delays{std::chrono::seconds(1), std::chrono::seconds(2),
                                                      std::chrono::seconds(4), std::chrono::seconds(8)};
  std::chrono::milliseconds timeout{std::chrono::seconds(10)}; // per attempt
  // At shutdown, how long reports waiting for a retry may still try (key notifier.drain_timeout).
  std::chrono::milliseconds drain_timeout{std::chrono::seconds(5)};
};

} // namespace recodex::notifier
