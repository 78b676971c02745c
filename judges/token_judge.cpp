// Ordered and shuffled-lines judging (see token_judge.hpp).
//
// Theory of operation (ordered): both files are read a segment at a time and compared pairwise;
// equal files never hold more than one segment per side. At the first difference the judge
// fills a window (at most window_lines lines / window_tokens tokens per side), aligns it with a
// weighted line LCS (skipping a line costs its tokens + 1, pairing two lines costs their token
// errors), logs every line not exactly matched, drops everything up to the last exact match and
// repeats; when a window ends in an exact match the streaming fast path takes over again.
// Between two pairs of segments the fast path lets both readers skip the whole lines that are
// byte-identical in the two files (line_reader::skip_identical_lines): after a difference the
// judge is back at memcmp speed from the next identical line on, and tokenizes only lines that
// differ in bytes. Skipped lines are lines the fast path would have found equal, so the verdict
// and the log are those of reading every line.
#include "judges/token_judge.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <unistd.h>
#include <unordered_map>

namespace recodex::judges {

std::string_view to_string(verdict v) {
  switch (v) {
    case verdict::correct: return "correct";
    case verdict::wrong: return "wrong";
  }
  return "unknown";
}

namespace {

// Reads segments and enforces the whole-line requirement of shuffled tokens.
struct side {
  line_reader& reader;
  std::string_view name;
  bool whole_lines;
  bool done = false;

  result<bool> next(segment& s) {
    if (done)
      return false;
    RECODEX_TRY(has, reader.next(s));
    if (!has) {
      done = true;
      return false;
    }
    if (whole_lines && !s.ends_line)
      return make_error(errc::too_large,
                        "line " + std::to_string(s.line_number) + " of the " + std::string{name} +
                            " file is too long to compare as a whole (shuffled comparison holds "
                            "whole lines)");
    return true;
  }
};

enum class op_kind : std::uint8_t { exact, paired, only_expected, only_actual };

struct op {
  op_kind kind;
  std::size_t e;
  std::size_t a;
};

std::vector<op> align(const std::deque<segment>& A, const std::deque<segment>& B,
                      const compare_options& options) {
  const std::size_t n = A.size(), m = B.size(), stride = m + 1;
  std::vector<std::uint64_t> score((n + 1) * stride, 0);
  std::vector<std::uint64_t> pair_cost((n + 1) * stride, 0);
  std::vector<std::uint8_t> move((n + 1) * stride, 0); // 0 diag, 1 up (skip expected), 2 left
  for (std::size_t i = 1; i <= n; ++i) {
    score[i * stride] = score[(i - 1) * stride] + A[i - 1].size() + 1;
    move[i * stride] = 1;
  }
  for (std::size_t j = 1; j <= m; ++j) {
    score[j] = score[j - 1] + B[j - 1].size() + 1;
    move[j] = 2;
  }
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      std::size_t k = i * stride + j;
      std::uint64_t cost = line_errors(A[i - 1], B[j - 1], options);
      pair_cost[k] = cost;
      // Lines differing in a third of their tokens or more are not "the same line, edited":
      // pairing them must cost more than skipping both, so exact matches further on win.
      std::uint64_t tokens = A[i - 1].size() + B[j - 1].size();
      if (cost > 0 && cost * 3 >= tokens)
        cost = tokens + 3;
      std::uint64_t diag = score[k - stride - 1] + cost;
      std::uint64_t up = score[k - stride] + A[i - 1].size() + 1;
      std::uint64_t left = score[k - 1] + B[j - 1].size() + 1;
      if (diag <= up && diag <= left) {
        score[k] = diag;
        move[k] = 0;
      } else if (left <= up) {
        // On a tie the actual line is skipped last, so the log reads "-" before "+".
        score[k] = left;
        move[k] = 2;
      } else {
        score[k] = up;
        move[k] = 1;
      }
    }
  }
  std::vector<op> ops;
  std::size_t i = n, j = m;
  while (i > 0 || j > 0) {
    std::size_t k = i * stride + j;
    if (i > 0 && j > 0 && move[k] == 0) {
      ops.push_back({pair_cost[k] == 0 ? op_kind::exact : op_kind::paired, i - 1, j - 1});
      --i, --j;
    } else if (i > 0 && (j == 0 || move[k] == 1)) {
      ops.push_back({op_kind::only_expected, i - 1, 0});
      --i;
    } else {
      ops.push_back({op_kind::only_actual, 0, j - 1});
      --j;
    }
  }
  std::reverse(ops.begin(), ops.end());
  return ops;
}

// When the fast path tries the byte lane: at once after a try that skipped lines; after tries
// that skipped nothing (lines that differ in bytes but not in tokens, such as "\r\n" against
// "\n" on every line) only after 1, 3, 7, ... 63 more pairs, so such files cost about what
// tokenizing alone costs.
struct lane_pacing {
  unsigned misses = 0; // tries in a row that skipped nothing, at most 6
  std::uint64_t wait = 0; // pairs to compare by tokens before the next try

  bool due() {
    if (wait == 0)
      return true;
    --wait;
    return false;
  }
  void tried(std::uint64_t skipped) {
    misses = skipped > 0 ? 0 : std::min(misses + 1, 6u);
    wait = (std::uint64_t{1} << misses) - 1;
  }
};

result<void> fill(std::deque<segment>& buffer, side& s, const judge_limits& limits) {
  std::size_t tokens = 0;
  for (const auto& seg : buffer)
    tokens += seg.size();
  while (buffer.size() < limits.window_lines && tokens < limits.window_tokens) {
    segment seg;
    RECODEX_TRY(has, s.next(seg));
    if (!has)
      break;
    tokens += seg.size();
    buffer.push_back(std::move(seg));
  }
  return ok();
}

} // namespace

result<verdict> judge_ordered(line_reader& expected, line_reader& actual,
                              const compare_options& options, diff_log& log,
                              const judge_limits& limits) {
  side exp{expected, "expected", options.shuffled_tokens};
  side act{actual, "actual", options.shuffled_tokens};
  bool wrong = false;
  std::deque<segment> A, B;
  segment e, a;
  lane_pacing lane;
  for (;;) {
    if (A.empty() && B.empty()) {
      lane.wait = 0; // after a window the next lines are likely identical
      // Fast path: equal prefixes stream through one segment per side, and whole lines that
      // are byte-identical in both files are skipped without tokenizing (the byte lane; after
      // a difference this is what brings the judge back to cmp speed).
      for (;;) {
        if (limits.byte_lane && lane.due()) {
          RECODEX_TRY(skipped,
                      line_reader::skip_identical_lines(expected, actual, options.shuffled_tokens));
          lane.tried(skipped);
        }
        RECODEX_TRY(has_e, exp.next(e));
        RECODEX_TRY(has_a, act.next(a));
        if (!has_e && !has_a)
          return wrong ? verdict::wrong : verdict::correct;
        if (has_e && has_a && lines_equal(e, a, options))
          continue;
        if (has_e)
          A.push_back(std::move(e));
        if (has_a)
          B.push_back(std::move(a));
        break;
      }
      wrong = true;
    }
    if (log.full())
      return verdict::wrong;
    RECODEX_TRY_VOID(fill(A, exp, limits));
    RECODEX_TRY_VOID(fill(B, act, limits));
    auto ops = align(A, B, options);
    std::size_t last_exact = ops.size();
    bool everything = exp.done && act.done;
    if (!everything)
      for (std::size_t k = ops.size(); k-- > 0;)
        if (ops[k].kind == op_kind::exact) {
          last_exact = k;
          break;
        }
    std::size_t end = last_exact == ops.size() ? ops.size() : last_exact + 1;
    std::size_t used_e = 0, used_a = 0;
    for (std::size_t k = 0; k < end; ++k) {
      const op& o = ops[k];
      if (o.kind == op_kind::exact) {
        used_e = o.e + 1;
        used_a = o.a + 1;
        continue;
      }
      if (o.kind != op_kind::only_actual) {
        log.line('-', A[o.e].line_number, A[o.e].raw_for_log());
        used_e = o.e + 1;
      }
      if (o.kind != op_kind::only_expected) {
        log.line('+', B[o.a].line_number, B[o.a].raw_for_log());
        used_a = o.a + 1;
      }
    }
    if (end == ops.size()) {
      used_e = A.size();
      used_a = B.size();
    }
    A.erase(A.begin(), A.begin() + static_cast<std::ptrdiff_t>(used_e));
    B.erase(B.begin(), B.begin() + static_cast<std::ptrdiff_t>(used_a));
    if (log.full())
      return verdict::wrong;
  }
}

namespace {

std::string bucket_key(const segment& s, const compare_options& options) {
  std::vector<std::string> parts;
  parts.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    std::string_view tok = s.token(i);
    if (options.numbers != number_mode::text && parse_number(tok).kind != number_kind::none) {
      parts.emplace_back("\x01"); // any number; tolerance forbids hashing its value
      continue;
    }
    std::string t{tok};
    if (options.case_insensitive)
      for (auto& c : t)
        if (c >= 'A' && c <= 'Z')
          c = static_cast<char>(c + 32);
    parts.push_back(std::move(t));
  }
  if (options.shuffled_tokens)
    std::sort(parts.begin(), parts.end());
  std::string key = std::to_string(s.size());
  for (auto& p : parts) {
    key += '\n';
    key += p;
  }
  return key;
}

std::size_t held_bytes(const segment& s) {
  return sizeof(segment) + s.text.size() + s.raw.size() + s.tokens.size() * sizeof(segment::token_ref);
}

result<std::vector<segment>> read_all(side& s, const judge_limits& limits) {
  std::vector<segment> lines;
  std::size_t held = 0;
  for (;;) {
    segment seg;
    RECODEX_TRY(has, s.next(seg));
    if (!has)
      return lines;
    held += held_bytes(seg);
    if (held > limits.max_held_bytes)
      return make_error(errc::too_large,
                        "the " + std::string{s.name} + " file needs more than " +
                            std::to_string(limits.max_held_bytes >> 20) +
                            " MiB in memory; --shuffled-lines holds every line");
    lines.push_back(std::move(seg));
  }
}

} // namespace

result<verdict> judge_shuffled_lines(line_reader& expected, line_reader& actual,
                                     const compare_options& options, diff_log& log,
                                     const judge_limits& limits) {
  side exp{expected, "expected", true};
  side act{actual, "actual", true};
  RECODEX_TRY(E, read_all(exp, limits));
  RECODEX_TRY(A, read_all(act, limits));
  std::unordered_map<std::string, std::vector<std::size_t>> buckets;
  for (std::size_t i = E.size(); i-- > 0;)
    buckets[bucket_key(E[i], options)].push_back(i);
  std::vector<bool> e_used(E.size(), false), a_used(A.size(), false);
  bool exact_keys = options.numbers == number_mode::text;
  for (std::size_t j = 0; j < A.size(); ++j) {
    auto it = buckets.find(bucket_key(A[j], options));
    if (it == buckets.end() || it->second.empty())
      continue;
    auto& cands = it->second;
    // Text keys identify equal lines; numeric keys only group candidates (within a group a
    // linear search finds one within tolerance, the earliest expected line first).
    for (std::size_t k = cands.size(); k-- > 0;) {
      if (exact_keys || lines_equal(E[cands[k]], A[j], options)) {
        e_used[cands[k]] = true;
        a_used[j] = true;
        cands.erase(cands.begin() + static_cast<std::ptrdiff_t>(k));
        break;
      }
    }
  }
  bool wrong = false;
  for (std::size_t i = 0; i < E.size(); ++i)
    if (!e_used[i]) {
      wrong = true;
      log.line('-', E[i].line_number, E[i].raw_for_log());
    }
  for (std::size_t j = 0; j < A.size(); ++j)
    if (!a_used[j]) {
      wrong = true;
      log.line('+', A[j].line_number, A[j].raw_for_log());
    }
  return wrong ? verdict::wrong : verdict::correct;
}

reader_options reader_options_for(const token_judge_options& o, const judge_limits& limits) {
  reader_options r;
  r.ignore_empty_lines = o.ignore_empty_lines;
  r.allow_comments = o.allow_comments;
  r.ignore_line_ends = o.ignore_line_ends;
  r.ignore_trailing_whitespace = o.ignore_trailing_whitespace;
  if (o.shuffled_tokens || o.shuffled_lines) {
    // Whole lines are needed; the caps turn an oversized line into an error, not a split.
    r.max_segment_tokens = limits.max_held_bytes;
    r.max_segment_bytes = limits.max_held_bytes;
  }
  return r;
}

compare_options compare_options_for(const token_judge_options& o) {
  compare_options c;
  c.case_insensitive = o.case_insensitive;
  c.numbers = o.numeric ? number_mode::tolerance : number_mode::text;
  c.float_tolerance = o.float_tolerance;
  c.shuffled_tokens = o.shuffled_tokens;
  c.lcs_window = o.token_lcs_approx_max_window;
  return c;
}

namespace {

// Where judging may start after a byte-identical prefix: both files are compared like cmp in
// 1 MiB chunks. Identical files are equal under every option. Otherwise, for line-based
// ordered modes, judging restarts at the line after the last line with a token that ends before
// the first difference (empty and comment lines in between are re-read, since trailing-empty-line
// handling depends on them); when that line is not in the last chunk, or the mode relates
// tokens across the whole file, it restarts at offset 0.
struct common_prefix {
  bool identical = false;
  std::uint64_t restart_offset = 0;
  std::uint64_t restart_line = 1;
};

result<common_prefix> find_common_prefix(file_source& a, file_source& b, bool restart_allowed,
                                         bool allow_comments) {
  constexpr std::size_t chunk = 1 << 20;
  std::vector<char> x(chunk), y(chunk);
  std::uint64_t offset = 0, newlines = 0;
  common_prefix out;
  for (;;) {
    // Fill both buffers fully (short reads happen on pipes), so offsets line up.
    std::size_t nx = 0, ny = 0;
    while (nx < chunk) {
      RECODEX_TRY(n, a.read(x.data() + nx, chunk - nx));
      if (n == 0) break;
      nx += n;
    }
    while (ny < chunk) {
      RECODEX_TRY(n, b.read(y.data() + ny, chunk - ny));
      if (n == 0) break;
      ny += n;
    }
    std::size_t n = std::min(nx, ny);
    std::size_t d = 0;
    if (std::memcmp(x.data(), y.data(), n) == 0) {
      d = n;
    } else {
      while (x[d] == y[d]) ++d;
    }
    if (d == n && nx == ny && nx < chunk) {
      out.identical = true;
      return out;
    }
    if (d < n || nx != ny) {
      if (!restart_allowed)
        return out;
      // Walk back from the difference to the end of the last line that holds a token.
      std::size_t end = d;                   // exclusive end of the line examined
      while (end > 0 && x[end - 1] != '\n') --end; // start of the differing line
      while (end > 0) {
        std::size_t line_end = end - 1;      // the '\n' of the previous line
        std::size_t start = line_end;
        while (start > 0 && x[start - 1] != '\n') --start;
        if (start == 0 && offset > 0)
          return out;                        // the line may begin in an earlier chunk
        bool comment = allow_comments && start < line_end && x[start] == '#';
        bool token = false;
        for (std::size_t k = start; k < line_end && !token; ++k)
          token = !(x[k] == ' ' || x[k] == '\t' || x[k] == '\r' || x[k] == '\v' || x[k] == '\f');
        if (token && !comment) {
          out.restart_offset = offset + end;
          out.restart_line = 1 + newlines + count_newlines(x.data(), end);
          return out;
        }
        end = start;
      }
      return out;
    }
    newlines += count_newlines(x.data(), n);
    offset += n;
  }
}

} // namespace

result<verdict> judge_files(const std::string& expected_path, const std::string& actual_path,
                            const reader_options& reading, const compare_options& comparing,
                            bool shuffled_lines, diff_log& log, const judge_limits& limits) {
  RECODEX_TRY(expected_file, file_source::open(expected_path));
  RECODEX_TRY(actual_file, file_source::open(actual_path));
  bool restart_allowed = !reading.ignore_line_ends && !shuffled_lines;
  RECODEX_TRY(prefix, find_common_prefix(expected_file, actual_file, restart_allowed,
                                         reading.allow_comments));
  if (prefix.identical)
    return verdict::correct;
  RECODEX_TRY_VOID(expected_file.seek(prefix.restart_offset));
  RECODEX_TRY_VOID(actual_file.seek(prefix.restart_offset));
  reader_options from_restart = reading;
  from_restart.first_line_number = prefix.restart_line;
  line_reader expected{expected_file, from_restart};
  line_reader actual{actual_file, from_restart};
  if (shuffled_lines)
    return judge_shuffled_lines(expected, actual, comparing, log, limits);
  return judge_ordered(expected, actual, comparing, log, limits);
}

result<verdict> run_token_judge(const token_judge_options& options, diff_log& log) {
  judge_limits limits;
  return judge_files(options.expected_file, options.actual_file, reader_options_for(options, limits),
                     compare_options_for(options), options.shuffled_lines, log, limits);
}

} // namespace recodex::judges
