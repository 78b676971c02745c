// Frames of the client (core API) <-> broker link, port 9658 (spec section 1): `eval`,
// `get-runtime-stats`, `freeze`, `unfreeze` and the broker's `ack` / `accept` / `reject` / stats
// replies. Both directions are here so fake clients in tests and benches share the layout.
#pragma once

#include "messages/wire/frames.hpp"

#include <variant>

namespace recodex::wire {

// -- client -> broker --

using client_message = std::variant<job_request, get_runtime_stats, set_frozen>;

// Decodes one client request. An unknown or empty command is an error (the bridge ignores it);
// an `eval` whose frames are malformed is an error too, but the bridge answers it with `reject`.
result<client_message> decode_client_message(const frames& in);

// True when frame 0 is `eval`: such a message always gets an `ack` first, valid or not.
bool is_eval(const frames& in);

frames encode_eval(const job_request& request);
frames encode_stats_request();
frames encode_freeze(bool frozen);

// -- broker -> client --

frames encode_ack();
frames encode_accept();
frames encode_reject(std::string_view reason);
frames encode_eval_reply(const eval_reply& reply);

// `evaluated-jobs`,N, `failed-jobs`,N, `idle-worker-count`,N, `jobs-in-progress`,N,
// `queued-jobs`,N, `worker-count`,N, `is-frozen`,0|1 (the original's std::map order, then frozen).
frames encode_runtime_stats(const runtime_stats& stats);
result<runtime_stats> decode_runtime_stats(const frames& in);

} // namespace recodex::wire
