// recodex-sandbox: the isolate-like command line over the sandbox library. Parses options,
// leases a box, runs, writes the meta lines; exit 0 = OK, 1 = RE/SG/TO, 2 = XX or bad usage.
#include "sandbox/cli_options.hpp"
#include "sandbox/meta.hpp"
#include "sandbox/sandbox.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace recodex::sandbox;

namespace {

int check() {
  bool all = true;
  for (const auto& item : check_host()) {
    std::printf("%-10s %-7s %s\n", item.name.c_str(), item.ok ? "ok" : "MISSING",
                item.detail.c_str());
    all = all && item.ok;
  }
  std::printf(all ? "this host can run boxes\n" : "this host cannot run boxes (see above)\n");
  return all ? 0 : 2;
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = parse_cli(args, [](const std::string& key) -> std::optional<std::string> {
    const char* value = std::getenv(key.c_str());
    return value ? std::optional<std::string>{value} : std::nullopt;
  });
  if (!parsed) {
    std::fprintf(stderr, "recodex-sandbox: %s\n", parsed.error().message.c_str());
    return 2;
  }
  const cli_request& req = parsed.value();
  if (req.action == cli_action::help) {
    std::fputs(cli_help().c_str(), stdout);
    return 0;
  }
  if (req.action == cli_action::check)
    return check();

  auto leased = acquire_box(box_config{}, req.box_id);
  if (!leased) {
    std::fprintf(stderr, "recodex-sandbox: %s\n", leased.error().message.c_str());
    return 2;
  }
  auto ran = run(leased.value(), req.options);
  if (!ran) {
    std::fprintf(stderr, "recodex-sandbox: %s\n", ran.error().message.c_str());
    return 2;
  }
  const run_result& r = ran.value();
  auto meta = format_meta(r);
  if (req.meta_path.empty()) {
    std::fputs(meta.c_str(), stderr);
  } else if (FILE* f = std::fopen(req.meta_path.c_str(), "w")) {
    std::fputs(meta.c_str(), f);
    std::fclose(f);
  } else {
    std::fprintf(stderr, "recodex-sandbox: cannot write meta file %s\n", req.meta_path.c_str());
    return 2;
  }
  switch (r.result) {
    case status::ok: return 0;
    case status::internal_error: return 2;
    default: return 1;
  }
}
