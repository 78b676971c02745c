// TLS on the cluster port (the broker's `cluster:` and the workers joining it over caf://)
// through CAF's OpenSSL module. CAF 0.17 authenticates both ends as soon as one of these is
// set: each node presents its certificate and verifies the peer's against ca-file, so every
// node needs all three (one certificate signed by a cluster CA per node, or one shared).
#pragma once

#include "messages/result.hpp"

#include <string>

namespace caf {
class actor_system_config;
}

namespace recodex::nodes {

struct cluster_tls {
  std::string certificate; // PEM chain this node presents
  std::string key;         // PEM private key of the certificate
  std::string ca_file;     // PEM CA certificates a peer's certificate must chain to
  bool enabled() const { return !certificate.empty() || !key.empty() || !ca_file.empty(); }
};

// Loads CAF's OpenSSL module into `cfg` with the files (before the actor system is built).
// Fails when one of the three is missing or unreadable, or without libcaf-openssl.
result<void> enable_cluster_tls(caf::actor_system_config& cfg, const cluster_tls& tls);

} // namespace recodex::nodes
