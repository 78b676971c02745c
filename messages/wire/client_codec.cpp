// Client link codec: exact frame order of spec section 1, validation with frame indexes.
#include "messages/wire/client_codec.hpp"

#include <charconv>

namespace recodex::wire {

namespace {

// eval, <job_id>, k=v..., "", payload...
result<client_message> decode_eval(const frames& in) {
  if (in.size() < 2)
    return frame_error(1, "eval without a job id");
  job_request request;
  request.job_id = in[1];
  if (request.job_id.empty())
    return frame_error(1, "empty job id");
  std::size_t i = 2;
  for (; i < in.size() && !in[i].empty(); ++i) {
    RECODEX_TRY(h, parse_header(in[i], i));
    request.headers.push_back(std::move(h));
  }
  if (i == in.size())
    return frame_error(i, "missing the empty frame that ends the headers");
  request.payload.assign(in.begin() + static_cast<std::ptrdiff_t>(i) + 1, in.end());
  return client_message{std::move(request)};
}

result<std::uint64_t> parse_count(const frames& in, std::size_t index) {
  if (index >= in.size())
    return frame_error(index, "missing");
  const auto& s = in[index];
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty())
    return frame_error(index, "'" + printable(s) + "' is not a number");
  return value;
}

constexpr const char* stats_keys[] = {"evaluated-jobs",   "failed-jobs",  "idle-worker-count",
                                      "jobs-in-progress", "queued-jobs",  "worker-count",
                                      "is-frozen"};

} // namespace

bool is_eval(const frames& in) { return !in.empty() && in[0] == "eval"; }

result<client_message> decode_client_message(const frames& in) {
  if (in.empty())
    return make_error(errc::invalid_argument, "empty message");
  const auto& command = in[0];
  if (command == "eval")
    return decode_eval(in);
  if (command == "get-runtime-stats")
    return client_message{get_runtime_stats{}};
  if (command == "freeze")
    return client_message{set_frozen{true}};
  if (command == "unfreeze")
    return client_message{set_frozen{false}};
  return frame_error(0, "unknown command '" + printable(command) + "'");
}

frames encode_eval(const job_request& request) {
  frames out;
  out.reserve(3 + request.headers.size() + request.payload.size());
  out.emplace_back("eval");
  out.push_back(request.job_id);
  for (const auto& h : request.headers)
    out.push_back(format_header(h));
  out.emplace_back();
  out.insert(out.end(), request.payload.begin(), request.payload.end());
  return out;
}

frames encode_stats_request() { return {"get-runtime-stats"}; }

frames encode_freeze(bool frozen) { return {frozen ? "freeze" : "unfreeze"}; }

frames encode_ack() { return {"ack"}; }

frames encode_accept() { return {"accept"}; }

frames encode_reject(std::string_view reason) { return {"reject", std::string{reason}}; }

frames encode_eval_reply(const eval_reply& reply) {
  return reply.accepted ? encode_accept() : encode_reject(reply.reason);
}

frames encode_runtime_stats(const runtime_stats& stats) {
  const std::uint64_t values[] = {stats.evaluated_jobs,   stats.failed_jobs, stats.idle_worker_count,
                                  stats.jobs_in_progress, stats.queued_jobs, stats.worker_count,
                                  stats.frozen ? 1u : 0u};
  frames out;
  out.reserve(14);
  for (std::size_t i = 0; i < 7; ++i) {
    out.emplace_back(stats_keys[i]);
    out.push_back(std::to_string(values[i]));
  }
  return out;
}

result<runtime_stats> decode_runtime_stats(const frames& in) {
  if (in.size() != 14)
    return frame_error(in.size(), "expected 14 frames of runtime statistics");
  std::uint64_t values[7];
  for (std::size_t i = 0; i < 7; ++i) {
    if (in[2 * i] != stats_keys[i])
      return frame_error(2 * i, std::string{"expected '"} + stats_keys[i] + "'");
    RECODEX_TRY(v, parse_count(in, 2 * i + 1));
    values[i] = v;
  }
  if (values[6] > 1)
    return frame_error(13, "is-frozen must be 0 or 1");
  return runtime_stats{values[0], values[1], values[2], values[3],
                       values[4], values[5], values[6] == 1};
}

} // namespace recodex::wire
