// One function per internal task of 5.5, each taking checked paths; the dispatcher validates
// every path argument first, so a task body never sees a path outside the job's directories.
// std::filesystem throws, so each body runs inside one try block at the door.
#include "actors/worker/evaluation/internal_task_runner.hpp"

#include "actors/worker/evaluation/internal_tasks.hpp"
#include "storage/names.hpp"

#include <cerrno>
#include <sys/stat.h>
#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <cstdlib>
#include <fnmatch.h>
#include <fstream>
#include <system_error>

namespace recodex::worker {

namespace fs = std::filesystem;

namespace {

internal_task_outcome failed(std::string message) {
  return internal_task_outcome{false, std::move(message), std::nullopt};
}

bool lexically_inside(const fs::path& path, const fs::path& root) {
  auto p = path.lexically_normal();
  auto r = root.lexically_normal();
  auto rit = r.begin();
  auto pit = p.begin();
  for (; rit != r.end(); ++rit, ++pit) {
    if (rit->empty())
      continue; // the trailing "" of "/a/b/"
    if (pit == p.end() || *pit != *rit)
      return false;
  }
  return true;
}

// Paths used by the tasks, all checked; an error message for the first bad one.
std::optional<std::string> check_path(const std::string& arg, const internal_task_context& c) {
  fs::path p{arg};
  if (!p.is_absolute())
    return "path '" + arg + "' is not absolute";
  if (!is_inside_roots(p, c.allowed_roots, c.real_roots))
    return "path '" + arg + "' is outside the job's directories";
  return std::nullopt;
}

std::optional<std::uint64_t> parse_kib(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos ||
      text.size() > 15)
    return std::nullopt;
  return std::strtoull(text.c_str(), nullptr, 10) * 1024;
}

bool has_wildcard(const std::string& name) {
  return name.find_first_of("*?") != std::string::npos;
}

void copy_entry(const fs::path& from, const fs::path& to) {
  // Links are copied as links, never followed: a link made by a submission must not pull in
  // a file from outside the job.
  fs::copy(from, to,
           fs::copy_options::recursive | fs::copy_options::overwrite_existing |
               fs::copy_options::copy_symlinks);
}

internal_task_outcome run_cp(const fs::path& src, const fs::path& dst) {
  const fs::path dir = src.parent_path();
  const std::string pattern = src.filename().string();
  if (!fs::is_directory(dir))
    return failed("cp: source directory '" + dir.string() + "' does not exist");
  const bool into_dir = fs::is_directory(dst);
  std::vector<fs::path> matches;
  if (has_wildcard(pattern)) {
    for (const auto& entry : fs::directory_iterator{dir})
      if (::fnmatch(pattern.c_str(), entry.path().filename().c_str(), 0) == 0)
        matches.push_back(entry.path());
    std::sort(matches.begin(), matches.end());
  } else if (fs::exists(fs::symlink_status(src))) {
    matches.push_back(src);
  }
  for (const auto& m : matches)
    copy_entry(m, into_dir ? dst / m.filename() : dst);
  return {};
}

internal_task_outcome run_mkdir(const std::vector<fs::path>& paths) {
  std::error_code ec;
  for (const auto& p : paths) {
    fs::create_directories(p, ec);
    if (!ec)
      fs::permissions(p, fs::perms::group_write | fs::perms::others_write,
                      fs::perm_options::add, ec);
    if (ec) {
      std::string message = "mkdir: cannot create '" + p.string() + "': " + ec.message();
      for (const auto& q : paths) {
        std::error_code ignored;
        fs::remove_all(q, ignored);
      }
      return failed(message);
    }
  }
  return {};
}

internal_task_outcome run_rm(const std::vector<fs::path>& paths) {
  for (const auto& p : paths) {
    std::error_code ec;
    fs::remove_all(p, ec);
    if (ec)
      return failed("rm: cannot remove '" + p.string() + "': " + ec.message());
  }
  return {};
}

internal_task_outcome run_archivate(const fs::path& dir, const fs::path& archive_path) {
  if (!fs::is_directory(dir))
    return failed("archivate: '" + dir.string() + "' is not a directory");
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator{dir})
    if (fs::symlink_status(entry.path()).type() == fs::file_type::regular)
      files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  const std::string stem = archive_path.stem().string();

  struct archive* out = archive_write_new();
  archive_write_set_format_zip(out);
  auto fail = [&](const std::string& what) {
    std::string message = "archivate: " + what + ": " +
                          (archive_error_string(out) ? archive_error_string(out) : "error");
    archive_write_free(out);
    std::error_code ignored;
    fs::remove(archive_path, ignored);
    return failed(message);
  };
  if (archive_write_open_filename(out, archive_path.c_str()) != ARCHIVE_OK)
    return fail("cannot create '" + archive_path.string() + "'");
  for (const auto& file : files) {
    if (file == archive_path)
      continue;
    const std::string name = stem + "/" + file.lexically_relative(dir).generic_string();
    std::ifstream in{file, std::ios::binary};
    struct archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, name.c_str());
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_size(entry, static_cast<la_int64_t>(fs::file_size(file)));
    int rc = archive_write_header(out, entry);
    archive_entry_free(entry);
    if (rc < ARCHIVE_WARN)
      return fail("cannot add '" + name + "'");
    char buffer[64 * 1024];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0)
      if (archive_write_data(out, buffer, static_cast<std::size_t>(in.gcount())) < 0)
        return fail("cannot write '" + name + "'");
  }
  if (archive_write_close(out) != ARCHIVE_OK)
    return fail("cannot finish '" + archive_path.string() + "'");
  archive_write_free(out);
  return {};
}

internal_task_outcome run_truncate(const fs::path& file, const std::string& limit_text) {
  auto limit = parse_kib(limit_text);
  if (!limit)
    return failed("truncate: '" + limit_text + "' is not a size in KiB");
  std::error_code ec;
  auto size = fs::file_size(file, ec);
  if (ec)
    return failed("truncate: cannot read the size of '" + file.string() + "': " + ec.message());
  if (size > *limit)
    fs::resize_file(file, *limit);
  return {};
}

internal_task_outcome run_exists(const std::string& message, const std::vector<fs::path>& paths) {
  for (const auto& p : paths) {
    std::error_code ec;
    if (!fs::exists(p, ec)) {
      auto outcome = failed("File/folder '" + p.string() + "' cannot be found");
      outcome.stderr_text = message;
      return outcome;
    }
  }
  return {};
}

internal_task_outcome run_dumpdir(const fs::path& src, const fs::path& dst,
                                  const std::string& limit_text,
                                  const std::vector<std::string>& excludes) {
  auto budget = parse_kib(limit_text);
  if (!budget)
    return failed("dumpdir: '" + limit_text + "' is not a size in KiB");
  if (!fs::is_directory(src))
    return failed("dumpdir: '" + src.string() + "' is not a directory");
  struct item {
    std::uintmax_t size;
    std::string relative;
  };
  std::vector<item> items;
  for (const auto& entry : fs::recursive_directory_iterator{src}) {
    if (fs::symlink_status(entry.path()).type() != fs::file_type::regular)
      continue;
    auto relative = entry.path().lexically_relative(src).generic_string();
    bool excluded = std::any_of(excludes.begin(), excludes.end(), [&](const std::string& x) {
      return ::fnmatch(x.c_str(), relative.c_str(), 0) == 0;
    });
    if (!excluded)
      items.push_back({entry.file_size(), relative});
  }
  // Smallest first, so the budget keeps as many files as possible; ties by name for
  // deterministic results.
  std::sort(items.begin(), items.end(), [](const item& a, const item& b) {
    return a.size != b.size ? a.size < b.size : a.relative < b.relative;
  });
  std::uint64_t left = *budget;
  for (const auto& it : items) {
    const fs::path target = dst / it.relative;
    fs::create_directories(target.parent_path());
    if (it.size <= left) {
      fs::copy_file(src / it.relative, target, fs::copy_options::overwrite_existing);
      left -= it.size;
    } else {
      std::ofstream placeholder{target.string() + ".skipped", std::ios::trunc};
      placeholder << ' ';
    }
  }
  return {};
}

internal_task_outcome dispatch(internal_task_kind kind, const std::vector<std::string>& args,
                               const internal_task_context& c) {
  auto path = [&](std::size_t i) { return fs::path{args[i]}.lexically_normal(); };
  auto paths_from = [&](std::size_t first) {
    std::vector<fs::path> out;
    for (std::size_t i = first; i < args.size(); ++i)
      out.push_back(path(i));
    return out;
  };
  switch (kind) {
  case internal_task_kind::cp:
    return run_cp(path(0), path(1));
  case internal_task_kind::mkdir:
    return run_mkdir(paths_from(0));
  case internal_task_kind::rename:
    fs::rename(path(0), path(1));
    return {};
  case internal_task_kind::rm:
    return run_rm(paths_from(0));
  case internal_task_kind::archivate:
    return run_archivate(path(0), path(1));
  case internal_task_kind::extract: {
    auto done = extract_archive(path(0), path(1), c.extract);
    if (!done)
      return failed("extract: " + done.error().message);
    return {};
  }
  case internal_task_kind::fetch: {
    if (!storage::is_valid_task_file_name(args[0]))
      return failed("fetch: '" + args[0] + "' is not a valid file name");
    if (!c.fetch)
      return failed("fetch: this worker has no file cache");
    auto done = c.fetch(args[0], path(1));
    if (!done)
      return failed("fetch: " + done.error().message);
    return {};
  }
  case internal_task_kind::truncate:
    return run_truncate(path(0), args[1]);
  case internal_task_kind::exists:
    return run_exists(args[0], paths_from(1));
  case internal_task_kind::dumpdir:
    return run_dumpdir(path(0), path(1), args[2],
                       std::vector<std::string>(args.begin() + 3, args.end()));
  }
  return failed("unknown internal task");
}

// Which arguments are paths; the others are names, messages, sizes or patterns.
std::vector<std::size_t> path_arguments(internal_task_kind kind, std::size_t count) {
  std::vector<std::size_t> out;
  auto all_from = [&](std::size_t first) {
    for (std::size_t i = first; i < count; ++i)
      out.push_back(i);
  };
  switch (kind) {
  case internal_task_kind::fetch:
    out = {1};
    break;
  case internal_task_kind::truncate:
    out = {0};
    break;
  case internal_task_kind::exists:
    all_from(1);
    break;
  case internal_task_kind::dumpdir:
    out = {0, 1};
    break;
  default:
    all_from(0);
    break;
  }
  return out;
}

} // namespace

void resolve_roots(internal_task_context& context) {
  context.real_roots.clear();
  for (const auto& root : context.allowed_roots) {
    std::error_code ec;
    auto real = fs::weakly_canonical(root, ec);
    if (ec) { // checked at each use instead
      context.real_roots.clear();
      return;
    }
    context.real_roots.push_back(std::move(real));
  }
}

namespace {

// True when a symlink along the existing part of `path` leads nowhere. weakly_canonical keeps
// such a name as it is, so it would pass as inside the job, and a task writing there (cp opens
// with O_CREAT) would follow it and create its target, wherever that is, as root.
bool has_dangling_symlink(const fs::path& path) {
  fs::path prefix;
  for (const auto& part : path) {
    prefix /= part;
    struct stat st {};
    if (::lstat(prefix.c_str(), &st) != 0)
      return false; // the rest does not exist yet
    if (S_ISLNK(st.st_mode) && ::stat(prefix.c_str(), &st) != 0)
      return true;
  }
  return false;
}

// `path` resolved, or nothing when it cannot be trusted. A name right inside `root` that is not
// a symlink (the common case: a task's file in SOURCE_DIR) needs one lstat, not the walk over
// every component.
std::optional<fs::path> resolve_in_root(const fs::path& path, const fs::path& root, const fs::path& real_root) {
  const fs::path normal = path.lexically_normal();
  if (normal.parent_path() == root.lexically_normal() && normal.has_filename()) {
    struct stat st {};
    if (::lstat(normal.c_str(), &st) == 0 ? !S_ISLNK(st.st_mode) : errno == ENOENT)
      return real_root / normal.filename();
  }
  if (has_dangling_symlink(normal))
    return std::nullopt;
  std::error_code ec;
  fs::path resolved = fs::weakly_canonical(path, ec);
  if (ec)
    return std::nullopt;
  return resolved;
}

} // namespace

bool is_inside_roots(const fs::path& path, const std::vector<fs::path>& roots,
                     const std::vector<fs::path>& real_roots) {
  const bool known = real_roots.size() == roots.size();
  for (std::size_t i = 0; i < roots.size(); ++i) {
    if (!lexically_inside(path, roots[i]))
      continue;
    std::error_code root_ec;
    const fs::path real_root = known ? real_roots[i] : fs::weakly_canonical(roots[i], root_ec);
    if (root_ec)
      continue;
    auto resolved = resolve_in_root(path, roots[i], real_root);
    if (resolved && lexically_inside(*resolved, real_root))
      return true;
  }
  return false;
}

internal_task_outcome run_internal_task(internal_task_kind kind,
                                        const std::vector<std::string>& args,
                                        const internal_task_context& context) {
  for (auto i : path_arguments(kind, args.size()))
    if (auto problem = check_path(args[i], context))
      return failed(std::string{to_string(kind)} + ": " + *problem);
  try {
    return dispatch(kind, args, context);
  } catch (const fs::filesystem_error& e) {
    return failed(std::string{to_string(kind)} + ": " + e.what());
  } catch (const std::exception& e) {
    return failed(std::string{to_string(kind)} + ": " + e.what());
  }
}

} // namespace recodex::worker
