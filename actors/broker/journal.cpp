// The broker journal; see journal.hpp for the record format and the durability rules.
#include "actors/broker/journal.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <unistd.h>

namespace recodex::broker {

namespace {

// Compaction when the file is larger than this and mostly dead records.
constexpr std::uint64_t compact_floor = 4 * 1024 * 1024;

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out += static_cast<char>((v >> (8 * i)) & 0xff);
}

void put_string(std::string& out, const std::string& s) {
  put_u32(out, static_cast<std::uint32_t>(s.size()));
  out += s;
}

// A cursor over one record body; every read checks the bounds.
struct reader {
  const std::string& data;
  std::size_t pos = 0;

  bool u32(std::uint32_t& v) {
    if (data.size() - pos < 4)
      return false;
    v = 0;
    for (int i = 0; i < 4; ++i)
      v |= static_cast<std::uint32_t>(static_cast<unsigned char>(data[pos + i])) << (8 * i);
    pos += 4;
    return true;
  }
  bool str(std::string& s) {
    std::uint32_t n = 0;
    if (!u32(n) || data.size() - pos < n)
      return false;
    s.assign(data, pos, n);
    pos += n;
    return true;
  }
};

std::string encode_accept(const job_request& r) {
  std::string body;
  put_string(body, r.job_id);
  put_u32(body, static_cast<std::uint32_t>(r.headers.size()));
  for (const auto& h : r.headers) {
    put_string(body, h.key);
    put_string(body, h.value);
  }
  put_u32(body, static_cast<std::uint32_t>(r.payload.size()));
  for (const auto& p : r.payload)
    put_string(body, p);
  return body;
}

bool decode_accept(const std::string& body, job_request& r) {
  reader in{body};
  std::uint32_t n = 0;
  if (!in.str(r.job_id) || !in.u32(n))
    return false;
  for (std::uint32_t i = 0; i < n; ++i) {
    header h;
    if (!in.str(h.key) || !in.str(h.value))
      return false;
    r.headers.push_back(std::move(h));
  }
  if (!in.u32(n))
    return false;
  for (std::uint32_t i = 0; i < n; ++i) {
    std::string p;
    if (!in.str(p))
      return false;
    r.payload.push_back(std::move(p));
  }
  return in.pos == body.size();
}

std::string encode_finish(const job_status_report* report, const std::string& job_id) {
  std::string body;
  put_string(body, job_id);
  if (report) {
    put_string(body, to_string(report->status));
    put_string(body, report->message);
  }
  return body;
}

std::optional<job_status> parse_status(const std::string& text) {
  for (auto status : {job_status::ok, job_status::failed, job_status::internal_error})
    if (to_string(status) == text)
      return status;
  return std::nullopt;
}

std::string encode_assign(const std::string& job_id, std::uint32_t failures) {
  std::string body;
  put_string(body, job_id);
  put_u32(body, failures);
  return body;
}

std::string record(char kind, const std::string& body) {
  std::string out;
  out.reserve(5 + body.size());
  out += kind;
  put_u32(out, static_cast<std::uint32_t>(body.size()));
  out += body;
  return out;
}

result<void> write_all(int fd, const std::string& bytes, const std::filesystem::path& path) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return make_errno_error(errno, "cannot write " + path.string());
    }
    done += static_cast<std::size_t>(n);
  }
  return ok();
}

result<std::string> read_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      return std::string{};
    return make_errno_error(errno, "cannot open " + path.string());
  }
  std::string data;
  char buf[65536];
  for (;;) {
    auto n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      auto e = errno;
      ::close(fd);
      return make_errno_error(e, "cannot read " + path.string());
    }
    if (n == 0)
      break;
    data.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return data;
}

result<void> fsync_dir(const std::filesystem::path& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return make_errno_error(errno, "cannot open " + dir.string());
  ::fsync(fd);
  ::close(fd);
  return ok();
}

} // namespace

journal::journal(journal&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)), size_(other.size_),
      next_order_(other.next_order_), dirty_(other.dirty_), live_(std::move(other.live_)),
      pending_(std::move(other.pending_)), recovered_(std::move(other.recovered_)),
      undelivered_(std::move(other.undelivered_)), finished_(std::move(other.finished_)),
      finished_ids_(std::move(other.finished_ids_)) {}

journal& journal::operator=(journal&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    size_ = other.size_;
    next_order_ = other.next_order_;
    dirty_ = other.dirty_;
    live_ = std::move(other.live_);
    pending_ = std::move(other.pending_);
    recovered_ = std::move(other.recovered_);
    undelivered_ = std::move(other.undelivered_);
    finished_ = std::move(other.finished_);
    finished_ids_ = std::move(other.finished_ids_);
  }
  return *this;
}

journal::~journal() {
  if (fd_ >= 0) {
    if (dirty_)
      ::fdatasync(fd_);
    ::close(fd_);
  }
}

result<journal> journal::open(const std::filesystem::path& file) {
  journal j;
  j.path_ = file;
  RECODEX_TRY(data, read_file(file));
  // Replay; stop at the first record that does not parse (a torn tail).
  std::size_t pos = 0;
  while (data.size() - pos >= 5) {
    char kind = data[pos];
    std::uint32_t len = 0;
    for (int i = 0; i < 4; ++i)
      len |= static_cast<std::uint32_t>(static_cast<unsigned char>(data[pos + 1 + i])) << (8 * i);
    if (data.size() - pos - 5 < len)
      break;
    std::string body = data.substr(pos + 5, len);
    bool good = true;
    if (kind == 'A') {
      job_request r;
      good = decode_accept(body, r);
      if (good) {
        auto id = r.job_id;
        j.live_[id] = live_job{j.next_order_++, recovered_job{std::move(r), 0, false}};
      }
    } else if (kind == 'S') {
      reader in{body};
      std::string id;
      std::uint32_t failures = 0;
      good = in.str(id) && in.u32(failures);
      if (auto it = j.live_.find(id); good && it != j.live_.end()) {
        it->second.job.failures = failures;
        it->second.job.was_running = true;
      }
    } else if (kind == 'F') {
      reader in{body};
      job_status_report report;
      good = in.str(report.job_id);
      if (good) {
        j.live_.erase(report.job_id);
        j.note_finished(report.job_id);
      }
      if (good && in.pos == body.size()) {
        j.pending_.erase(report.job_id);
      } else if (good) {
        std::string status;
        good = in.str(status) && in.str(report.message) && in.pos == body.size();
        auto parsed = good ? parse_status(status) : std::nullopt;
        good = parsed.has_value();
        if (good) {
          report.status = *parsed;
          auto id = report.job_id;
          j.pending_[id] = pending_report{j.next_order_++, std::move(report)};
        }
      }
    } else {
      good = false;
    }
    if (!good)
      break;
    pos += 5 + len;
  }
  std::vector<const live_job*> order;
  for (const auto& [id, lj] : j.live_)
    order.push_back(&lj);
  std::sort(order.begin(), order.end(),
            [](const live_job* a, const live_job* b) { return a->order < b->order; });
  for (const auto* lj : order)
    j.recovered_.push_back(lj->job);
  std::vector<const pending_report*> reports;
  for (const auto& [id, p] : j.pending_)
    reports.push_back(&p);
  std::sort(reports.begin(), reports.end(),
            [](const pending_report* a, const pending_report* b) { return a->order < b->order; });
  for (const auto* p : reports)
    j.undelivered_.push_back(p->report);
  // Start from a compact file: it also drops a torn tail.
  RECODEX_TRY_VOID(j.compact());
  return j;
}

result<void> journal::compact() {
  auto temp = path_;
  temp += ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return make_errno_error(errno, "cannot create " + temp.string());
  std::vector<const live_job*> order;
  for (const auto& [id, lj] : live_)
    order.push_back(&lj);
  std::sort(order.begin(), order.end(),
            [](const live_job* a, const live_job* b) { return a->order < b->order; });
  std::string bytes;
  for (const auto& id : finished_)
    bytes += record('F', encode_finish(nullptr, id));
  for (const auto* lj : order) {
    bytes += record('A', encode_accept(lj->job.request));
    if (lj->job.was_running)
      bytes += record('S', encode_assign(lj->job.request.job_id, lj->job.failures));
  }
  std::vector<const pending_report*> reports;
  for (const auto& [id, p] : pending_)
    reports.push_back(&p);
  std::sort(reports.begin(), reports.end(),
            [](const pending_report* a, const pending_report* b) { return a->order < b->order; });
  for (const auto* p : reports)
    bytes += record('F', encode_finish(&p->report, p->report.job_id));
  auto written = write_all(fd, bytes, temp);
  if (!written || ::fsync(fd) != 0) {
    auto e = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    return written ? make_errno_error(e, "cannot fsync " + temp.string()) : written;
  }
  if (::rename(temp.c_str(), path_.c_str()) != 0) {
    auto e = errno;
    ::close(fd);
    return make_errno_error(e, "cannot rename " + temp.string());
  }
  RECODEX_TRY_VOID(fsync_dir(path_.parent_path()));
  if (fd_ >= 0)
    ::close(fd_);
  ::close(fd);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd_ < 0)
    return make_errno_error(errno, "cannot open " + path_.string());
  size_ = bytes.size();
  dirty_ = false;
  return ok();
}

result<void> journal::maybe_compact() {
  // What a rewrite keeps is at most a quarter of the file: rewrite.
  if (size_ > compact_floor &&
      (live_.size() + pending_.size()) * 256 + finished_.size() * 48 < size_ / 4)
    return compact();
  return ok();
}

result<void> journal::append(char kind, const std::string& body, bool durable) {
  if (fd_ < 0)
    return make_error(errc::io_error, "journal " + path_.string() + " is not open");
  auto bytes = record(kind, body);
  RECODEX_TRY_VOID(write_all(fd_, bytes, path_));
  size_ += bytes.size();
  dirty_ = true;
  if (durable)
    return sync();
  return ok();
}

result<void> journal::sync() {
  if (!dirty_ || fd_ < 0)
    return ok();
  if (::fdatasync(fd_) != 0)
    return make_errno_error(errno, "cannot fsync " + path_.string());
  dirty_ = false;
  return ok();
}

result<void> journal::accepted(const job_request& request, bool sync_now) {
  live_[request.job_id] = live_job{next_order_++, recovered_job{request, 0, false}};
  return append('A', encode_accept(request), sync_now);
}

result<void> journal::assigned(const std::string& job_id, std::uint32_t failures) {
  if (auto it = live_.find(job_id); it != live_.end()) {
    it->second.job.failures = failures;
    it->second.job.was_running = true;
  }
  return append('S', encode_assign(job_id, failures), false);
}

void journal::note_finished(const std::string& job_id) {
  if (!finished_ids_.insert(job_id).second)
    return;
  finished_.push_back(job_id);
  if (finished_.size() > recent_finished_kept) {
    finished_ids_.erase(finished_.front());
    finished_.pop_front();
  }
}

result<void> journal::finished(const job_status_report& report, bool awaiting_delivery) {
  live_.erase(report.job_id);
  note_finished(report.job_id);
  if (awaiting_delivery)
    pending_[report.job_id] = pending_report{next_order_++, report};
  else
    pending_.erase(report.job_id);
  RECODEX_TRY_VOID(
      append('F', encode_finish(awaiting_delivery ? &report : nullptr, report.job_id), false));
  return maybe_compact();
}

result<void> journal::delivered(const std::string& job_id) {
  if (pending_.erase(job_id) == 0)
    return ok(); // delivered twice, or finished with nothing to deliver: nothing to record
  RECODEX_TRY_VOID(append('F', encode_finish(nullptr, job_id), false));
  return maybe_compact();
}

} // namespace recodex::broker
