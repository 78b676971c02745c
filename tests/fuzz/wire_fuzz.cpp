// libFuzzer target for the ReCodEx frame codecs: the input is split into frames at '\n'
// (first byte picks the decoder); every decoder must return a value or an error, never crash,
// and whatever decodes must encode back to frames that decode to the same value.
#include "messages/wire/client_codec.hpp"
#include "messages/wire/monitor_codec.hpp"
#include "messages/wire/worker_codec.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace recodex::wire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  frames in;
  std::string current;
  for (std::size_t i = 1; i < size; ++i) {
    if (data[i] == '\n') {
      in.push_back(std::move(current));
      current.clear();
    } else {
      current += static_cast<char>(data[i]);
    }
  }
  in.push_back(std::move(current));
  switch (data[0] % 4) {
    case 0:
      if (auto m = decode_client_message(in)) {
        if (auto* job = std::get_if<recodex::job_request>(&m.value())) {
          auto again = decode_client_message(encode_eval(*job));
          if (!again || !(std::get<recodex::job_request>(again.value()) == *job))
            std::abort();
        }
      }
      break;
    case 1:
      if (auto m = decode_worker_message("id", in)) {
        if (auto* info = std::get_if<recodex::worker_info>(&m.value())) {
          auto again = decode_worker_message("id", encode_init(*info));
          if (!again || !(std::get<recodex::worker_info>(again.value()) == *info))
            std::abort();
        }
      }
      break;
    case 2:
      (void) decode_monitor_progress(in);
      (void) decode_broker_message("id", in);
      break;
    default:
      (void) decode_runtime_stats(in);
      break;
  }
  return 0;
}
