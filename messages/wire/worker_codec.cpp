// Worker link codec: exact frame order of spec section 2, validation with frame indexes.
#include "messages/wire/worker_codec.hpp"

namespace recodex::wire {

namespace {

result<worker_message> decode_init(std::string_view identity, const frames& in) {
  if (in.size() < 2)
    return frame_error(1, "init without a hwgroup");
  worker_info info;
  info.id = std::string{identity};
  info.hwgroup = in[1];
  if (info.hwgroup.empty())
    return frame_error(1, "empty hwgroup");
  std::size_t i = 2;
  for (; i < in.size() && !in[i].empty(); ++i) {
    RECODEX_TRY(h, parse_header(in[i], i));
    info.headers.push_back(std::move(h));
  }
  if (i == in.size())
    return frame_error(i, "missing the empty frame that ends the headers");
  for (++i; i < in.size(); ++i) {
    RECODEX_TRY(h, parse_header(in[i], i));
    if (h.key == "description")
      info.description = std::move(h.value);
    else if (h.key == "current_job")
      info.current_job = std::move(h.value);
    // Other trailing keys are reserved for later protocol versions: ignored.
  }
  return worker_message{std::move(info)};
}

result<worker_message> decode_progress(std::string_view identity, const frames& in) {
  if (in.size() != 3 && in.size() != 5)
    return frame_error(in.size() < 3 ? in.size() : 3,
                       "progress needs 3 or 5 frames, got " + std::to_string(in.size()));
  if (in[1].empty())
    return frame_error(1, "empty job id");
  progress update{in[1], in[2], "", ""};
  if (in.size() == 5) {
    update.task_id = in[3];
    update.task_state = in[4];
  }
  return worker_message{worker_progress{std::string{identity}, std::move(update)}};
}

result<job_status> parse_status(const std::string& s, std::size_t index) {
  if (s == "OK")
    return job_status::ok;
  if (s == "FAILED")
    return job_status::failed;
  if (s == "INTERNAL_ERROR")
    return job_status::internal_error;
  return frame_error(index, "unknown status '" + printable(s) + "'");
}

result<worker_message> decode_done(std::string_view identity, const frames& in) {
  if (in.size() < 3)
    return frame_error(in.size(), "done needs at least 3 frames");
  RECODEX_TRY(status, parse_status(in[2], 2));
  // OK may omit the message; the failure statuses must carry exactly one.
  if (status != job_status::ok && in.size() != 4)
    return frame_error(in.size() < 4 ? 3 : 4, "done " + in[2] + " needs exactly 4 frames");
  job_done done{in[1], status, in.size() > 3 ? in[3] : std::string{}};
  return worker_message{worker_done{std::string{identity}, std::move(done)}};
}

} // namespace

bool has_task_fields(const progress& update) {
  return update.command == "TASK" || !update.task_id.empty() || !update.task_state.empty();
}

result<worker_message> decode_worker_message(std::string_view identity, const frames& in) {
  if (in.empty())
    return make_error(errc::invalid_argument, "empty message");
  const auto& command = in[0];
  if (command == "init")
    return decode_init(identity, in);
  if (command == "ping")
    return worker_message{worker_ping{std::string{identity}}};
  if (command == "progress")
    return decode_progress(identity, in);
  if (command == "done")
    return decode_done(identity, in);
  return frame_error(0, "unknown command '" + printable(command) + "'");
}

frames encode_init(const worker_info& info) {
  frames out;
  out.reserve(5 + info.headers.size());
  out.emplace_back("init");
  out.push_back(info.hwgroup);
  for (const auto& h : info.headers)
    out.push_back(format_header(h));
  out.emplace_back();
  out.push_back("description=" + info.description);
  if (!info.current_job.empty())
    out.push_back("current_job=" + info.current_job);
  return out;
}

frames encode_ping() { return {"ping"}; }

frames encode_progress(const progress& update) {
  if (has_task_fields(update))
    return {"progress", update.job_id, update.command, update.task_id, update.task_state};
  return {"progress", update.job_id, update.command};
}

frames encode_done(const job_done& done) {
  return {"done", done.job_id, to_string(done.status), done.message};
}

result<broker_message> decode_broker_message(std::string_view identity, const frames& in) {
  if (in.empty())
    return make_error(errc::invalid_argument, "empty message");
  const auto& command = in[0];
  if (command == "eval") {
    if (in.size() < 2)
      return frame_error(1, "eval without a job id");
    job_assignment a{std::string{identity}, in[1], {in.begin() + 2, in.end()}};
    return broker_message{std::move(a)};
  }
  if (command == "pong")
    return broker_message{worker_pong{std::string{identity}}};
  if (command == "intro")
    return broker_message{worker_intro{std::string{identity}}};
  return frame_error(0, "unknown command '" + printable(command) + "'");
}

frames encode_assignment(const job_assignment& assignment) {
  frames out;
  out.reserve(2 + assignment.payload.size());
  out.emplace_back("eval");
  out.push_back(assignment.job_id);
  out.insert(out.end(), assignment.payload.begin(), assignment.payload.end());
  return out;
}

frames encode_pong() { return {"pong"}; }

frames encode_intro() { return {"intro"}; }

} // namespace recodex::wire
