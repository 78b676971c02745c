// What the host sends the box launcher for one run: the box's identity and the run's options,
// as bytes. The launcher rebuilds the child plan from them in its own (small) address space, so
// the plan's pointers never cross the process boundary. Decoding checks every length.
#pragma once

#include "messages/result.hpp"
#include "sandbox/sandbox.hpp"

#include <string>
#include <string_view>

namespace recodex::sandbox::detail {

// The parts of a leased box a plan needs (the lease itself stays with the host).
struct box_identity {
  unsigned uid = 0;
  unsigned gid = 0;
  std::string state_dir;
};
box_identity identity_of(const box& b);

struct launch_request {
  box_identity box;
  run_options options;
};

// The largest encoded request the launcher and a reused init accept (argv and env make it grow;
// a larger one is cloned by the host itself).
constexpr std::size_t max_launch_request_bytes = 1 << 20;

std::string encode_launch_request(const box_identity& box, const run_options& options);
// Fails with invalid_argument on truncated, oversized or trailing data.
result<launch_request> decode_launch_request(std::string_view bytes);

} // namespace recodex::sandbox::detail
