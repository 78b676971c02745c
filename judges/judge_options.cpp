// Argument parsing for the judges. One table describes the token judge's options so that the
// parser, the usage text and the tests walk the same list.
#include "judges/judge_options.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace recodex::judges {
namespace {

enum class option_kind { flag, real, integer, size };

struct option_row {
  std::string_view name;
  option_kind kind;
  std::string_view help;
};

constexpr option_row token_options[] = {
  {"ignore-empty-lines", option_kind::flag, "Empty lines are ignored completely."},
  {"allow-comments", option_kind::flag, "Lines starting with '#' are ignored completely."},
  {"ignore-line-ends", option_kind::flag, "Line ends are treated as regular whitespace."},
  {"ignore-trailing-whitespace", option_kind::flag, "Empty lines at the end of a file are ignored."},
  {"case-insensitive", option_kind::flag, "Tokens are compared without letter case (ASCII)."},
  {"numeric", option_kind::flag,
   "Tokens that are decimal integers or floats are compared as numbers."},
  {"float-tolerance", option_kind::real,
   "Maximal float error |a-b|/max(|a|+|b|, max(tol,1e-4)), 0..0.9 (default 0.0001)."},
  {"shuffled-tokens", option_kind::flag, "Tokens on a line may appear in any order."},
  {"shuffled-lines", option_kind::flag, "Lines may appear in any order."},
  {"token-lcs-approx-max-window", option_kind::integer,
   "Band width of the token LCS used to pair lines in the diff log, 0..255 (default 11)."},
  {"log-limit", option_kind::size, "Maximal size of the log in bytes; suffixes k, M, G, T."},
};

// Pairs that cannot be combined; both orders are reported with the first name first.
constexpr std::pair<std::string_view, std::string_view> token_conflicts[] = {
  {"ignore-empty-lines", "ignore-line-ends"},
  {"ignore-empty-lines", "ignore-trailing-whitespace"},
  {"ignore-line-ends", "ignore-trailing-whitespace"},
  {"shuffled-lines", "ignore-line-ends"},
};

error bad(std::string message) { return make_error(errc::invalid_argument, std::move(message)); }

result<double> parse_real(std::string_view name, const std::string& text) {
  if (text.empty())
    return bad("Option --" + std::string{name} + " expects a number, got an empty value.");
  char* end = nullptr;
  errno = 0;
  double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(value))
    return bad("Option --" + std::string{name} + " expects a number, got '" + text + "'.");
  return value;
}

result<std::uint64_t> parse_unsigned(std::string_view text, std::string_view what) {
  if (text.empty())
    return bad(std::string{what} + " expects a non-negative integer, got an empty value.");
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return bad(std::string{what} + " expects a non-negative integer, got '" + std::string{text} +
                 "'.");
    if (value > (std::numeric_limits<std::uint64_t>::max() - 9) / 10)
      return bad(std::string{what} + " value '" + std::string{text} + "' is too large.");
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

} // namespace

result<std::uint64_t> parse_log_limit(std::string_view text) {
  unsigned shift = 0;
  if (!text.empty()) {
    switch (text.back()) {
      case 'k': shift = 10; break;
      case 'M': shift = 20; break;
      case 'G': shift = 30; break;
      case 'T': shift = 40; break;
      default: break;
    }
    if (shift)
      text.remove_suffix(1);
  }
  RECODEX_TRY(value, parse_unsigned(text, "Option --log-limit"));
  if (shift && value > (std::numeric_limits<std::uint64_t>::max() >> shift))
    return bad("Option --log-limit value is too large.");
  return value << shift;
}

result<token_judge_options> parse_token_judge_args(const std::vector<std::string>& args) {
  token_judge_options out;
  std::vector<std::string> positional;
  std::vector<std::string_view> seen;
  auto was_seen = [&](std::string_view n) {
    for (auto s : seen)
      if (s == n)
        return true;
    return false;
  };
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (options_done || arg.size() < 2 || arg.compare(0, 2, "--") != 0) {
      if (!options_done && arg.size() > 1 && arg[0] == '-')
        return bad("Unknown option '" + arg + "'.");
      positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
      inline_value = true;
    }
    const option_row* row = nullptr;
    for (const auto& r : token_options)
      if (r.name == name)
        row = &r;
    if (!row)
      return bad("Unknown option '--" + name + "'.");
    if (row->kind == option_kind::flag) {
      if (inline_value)
        return bad("Option --" + name + " takes no value.");
    } else {
      if (was_seen(row->name))
        return bad("Option --" + name + " is given more than once.");
      if (!inline_value) {
        if (i + 1 >= args.size())
          return bad("Option --" + name + " expects a value.");
        value = args[++i];
      }
    }
    seen.push_back(row->name);
    if (name == "ignore-empty-lines") out.ignore_empty_lines = true;
    else if (name == "allow-comments") out.allow_comments = true;
    else if (name == "ignore-line-ends") out.ignore_line_ends = true;
    else if (name == "ignore-trailing-whitespace") out.ignore_trailing_whitespace = true;
    else if (name == "case-insensitive") out.case_insensitive = true;
    else if (name == "numeric") out.numeric = true;
    else if (name == "shuffled-tokens") out.shuffled_tokens = true;
    else if (name == "shuffled-lines") out.shuffled_lines = true;
    else if (name == "float-tolerance") {
      RECODEX_TRY(tol, parse_real(name, value));
      if (!(tol >= 0.0 && tol <= 0.9))
        return bad("Option --float-tolerance must be between 0 and 0.9, got '" + value + "'.");
      out.float_tolerance = tol;
    } else if (name == "token-lcs-approx-max-window") {
      RECODEX_TRY(w, parse_unsigned(value, "Option --token-lcs-approx-max-window"));
      if (w > 255)
        return bad("Option --token-lcs-approx-max-window must be between 0 and 255, got '" +
                   value + "'.");
      out.token_lcs_approx_max_window = static_cast<unsigned>(w);
    } else if (name == "log-limit") {
      RECODEX_TRY(limit, parse_log_limit(value));
      out.has_log_limit = true;
      out.log_limit = limit;
    }
  }
  for (auto [a, b] : token_conflicts)
    if (was_seen(a) && was_seen(b))
      return bad("Option --" + std::string{a} + " conflicts with --" + std::string{b} + ".");
  if (positional.size() != 2)
    return bad("Expected 2 file arguments (expected output, actual output), got " +
               std::to_string(positional.size()) + ".");
  out.expected_file = positional[0];
  out.actual_file = positional[1];
  return out;
}

std::string token_judge_usage(std::string_view program) {
  std::string text = "Usage: " + std::string{program} + " [options] <expected> <actual>\n";
  text += "  <expected>  expected (correct) output file\n";
  text += "  <actual>    tested solution's output file\n";
  text += "Exit 0 = match, 1 = mismatch, 2 = error; stdout: score 1 or 0.\n";
  text += "Options:\n";
  for (const auto& row : token_options) {
    text += "  --" + std::string{row.name};
    if (row.kind != option_kind::flag)
      text += " <value>";
    text += "\n      " + std::string{row.help} + "\n";
  }
  text += "Conflicts:";
  for (auto [a, b] : token_conflicts)
    text += " --" + std::string{a} + "/--" + std::string{b};
  text += "\n";
  return text;
}

namespace {

// Legacy judges take one optional bundle of single-letter switches before two files.
result<std::pair<std::string, std::vector<std::string>>>
split_legacy(const std::vector<std::string>& args, std::string_view allowed) {
  std::string flags;
  std::vector<std::string> files;
  for (const auto& arg : args) {
    if (files.empty() && flags.empty() && arg.size() > 1 && arg[0] == '-') {
      for (char c : arg.substr(1))
        if (allowed.find(c) == std::string_view::npos)
          return bad("Unknown switch '" + arg + "'.");
      flags = arg.substr(1);
      continue;
    }
    files.push_back(arg);
  }
  if (files.size() != 2)
    return bad("Expected 2 file arguments, got " + std::to_string(files.size()) + ".");
  return std::pair{flags, files};
}

} // namespace

result<normal_judge_options> parse_normal_judge_args(const std::vector<std::string>& args) {
  RECODEX_TRY(split, split_legacy(args, "nr"));
  normal_judge_options out;
  out.newlines_are_whitespace = split.first.find('n') != std::string::npos;
  out.real_numbers = split.first.find('r') != std::string::npos;
  out.expected_file = split.second[0];
  out.actual_file = split.second[1];
  return out;
}

result<shuffle_judge_options> parse_shuffle_judge_args(const std::vector<std::string>& args) {
  RECODEX_TRY(split, split_legacy(args, "nir"));
  shuffle_judge_options out;
  out.ignore_newlines = split.first.find('n') != std::string::npos;
  out.shuffled_tokens = split.first.find('i') != std::string::npos;
  out.shuffled_rows = split.first.find('r') != std::string::npos;
  out.expected_file = split.second[0];
  out.actual_file = split.second[1];
  return out;
}

} // namespace recodex::judges
