// broker-uri: the two transports and every malformed form, one row each.
#include "actors/worker/listener/broker_endpoint.hpp"

#include <catch2/catch.hpp>

using namespace recodex;
using namespace recodex::worker;

TEST_CASE("broker-uri names the transport, host and port", "[worker][listener]") {
  auto tcp = parse_broker_uri("tcp://127.0.0.1:9657");
  REQUIRE(tcp);
  CHECK(tcp.value().transport == broker_transport::zeromq);
  CHECK(tcp.value().host == "127.0.0.1");
  CHECK(tcp.value().port == 9657);
  CHECK(tcp.value().zeromq_uri() == "tcp://127.0.0.1:9657");

  auto caf = parse_broker_uri("caf://broker.example:4242");
  REQUIRE(caf);
  CHECK(caf.value().transport == broker_transport::caf);
  CHECK(caf.value().host == "broker.example");
  CHECK(caf.value().port == 4242);
}

TEST_CASE("a malformed broker-uri is refused with the reason", "[worker][listener]") {
  auto [uri, reason] = GENERATE(table<std::string, std::string>({
      {"", "expected tcp://host:port or caf://host:port"},
      {"udp://h:1", "expected tcp://host:port or caf://host:port"},
      {"tcp://host", "no port"},
      {"tcp://:9657", "no host"},
      {"tcp://h:", "port '' is not a number in 1-65535"},
      {"tcp://h:0", "port '0' is not a number in 1-65535"},
      {"caf://h:65536", "port '65536' is not a number in 1-65535"},
      {"caf://h:12x", "port '12x' is not a number in 1-65535"},
  }));
  auto parsed = parse_broker_uri(uri);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().code == errc::invalid_argument);
  CHECK(parsed.error().message == "broker-uri '" + uri + "': " + reason);
}

TEST_CASE("every broker transport has a name", "[worker][listener]") {
  CHECK(to_string(broker_transport::zeromq) == "zeromq");
  CHECK(to_string(broker_transport::caf) == "caf");
}
