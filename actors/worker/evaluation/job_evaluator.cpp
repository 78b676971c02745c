// The job lifecycle of spec 6.3, step by step. Each step that can fail says which `done` status
// its failure means (the table of 6.3), so the mapping is read here rather than inferred from
// error codes of other rooms: a hostile archive is invalid_argument for the extractor, but for
// the broker it is an INTERNAL_ERROR like any other download or extraction failure.
#include "actors/worker/evaluation/job_evaluator.hpp"

#include "actors/worker/evaluation/fetch_stager.hpp"

#include "actors/worker/evaluation/job_plan.hpp"
#include "actors/worker/evaluation/job_results.hpp"
#include "actors/worker/evaluation/job_runner.hpp"
#include "actors/worker/evaluation/parallel_job_runner.hpp"
#include "actors/worker/evaluation/task_executors.hpp"
#include "storage/atomic_file.hpp"

#include <cerrno>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <sstream>
#include <utility>
#include <vector>

#include <unistd.h>

namespace recodex::worker {

namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t max_job_config_bytes = 16u << 20;

// Why a job ends before `done OK`: the status of 6.3's table and the message for the broker.
struct job_failure {
  done_status status = done_status::internal_error;
  std::string message;
};

template <class T>
using step = outcome::result<T, job_failure, outcome::policy::terminate>;

job_failure internal_error(std::string message) {
  return {done_status::internal_error, std::move(message)};
}

// A job id names four directories, so it must be one plain path component.
bool is_safe_job_id(const std::string& id) {
  return !id.empty() && id != "." && id != ".." && id.find('/') == std::string::npos &&
         id.find('\0') == std::string::npos;
}

// The last path segment of `url` without query and fragment ("archive" when there is none).
std::string archive_name(const std::string& url) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  std::string name = path.substr(path.find_last_of('/') + 1);
  if (name.empty() || name == "." || name == "..")
    return "archive";
  return name;
}

job_status to_job_status(done_status status) {
  switch (status) {
  case done_status::ok:
    return job_status::ok;
  case done_status::failed:
    return job_status::failed;
  case done_status::internal_error:
    return job_status::internal_error;
  }
  return job_status::internal_error;
}

progress to_progress(const std::string& job_id, const progress_state& state) {
  auto frames = progress_frames(state);
  progress out{job_id, frames.at(0), {}, {}};
  if (frames.size() == 3) {
    out.task_id = frames[1];
    out.task_state = frames[2];
  }
  return out;
}

step<void> remove_tree(const fs::path& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (ec)
    return internal_error("cannot remove " + dir.string() + ": " + ec.message());
  return outcome::success();
}

step<void> make_tree(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return internal_error("cannot create " + dir.string() + ": " + ec.message());
  return outcome::success();
}

step<std::string> read_job_config(const fs::path& file) {
  std::error_code ec;
  auto status = fs::symlink_status(file, ec);
  if (ec || !fs::exists(status))
    return internal_error("job-config.yml not found at the root of the submission archive");
  if (!fs::is_regular_file(status))
    return internal_error("job-config.yml in the submission archive is not a regular file");
  if (fs::file_size(file, ec) > max_job_config_bytes || ec)
    return internal_error("job-config.yml is larger than " +
                          std::to_string(max_job_config_bytes) + " bytes");
  std::ifstream in{file, std::ios::binary};
  std::string text{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  if (!in && !in.eof())
    return internal_error("cannot read " + file.string());
  return text;
}

// Written to a temporary name and renamed, so a link a task left at the name in RESULT_DIR is
// replaced, never written through. Not fsync'd: a crash loses the job anyway (it is re-queued).
step<void> write_file(const fs::path& file, const std::string& text) {
  if (auto written = storage::write_file_atomically(file, text, storage::durability::unsynced); !written)
    return internal_error(written.error().message);
  return outcome::success();
}

// One evaluation: the steps of 6.3 in order, sharing the job's directories and its log.
class job_run_steps {
public:
  job_run_steps(const job_evaluator_config& config, const sandbox::box& box,
                const std::vector<const sandbox::box*>& task_boxes, file_transfer& transfer,
                const storage::worker_cache& cache, const results_packer& pack,
                const job_order& order, const progress_sink& sink)
      : config_(config), box_(box), task_boxes_(task_boxes), transfer_(transfer), cache_(cache),
        pack_(pack), order_(order), sink_(sink), dirs_(directories_of(config, order.job_id)) {}

  step<void> run() {
    if (!is_safe_job_id(order_.job_id))
      return job_failure{done_status::failed,
                         "job id '" + order_.job_id + "' cannot name a directory"};
    for (const auto& dir : {dirs_.downloads, dirs_.source, dirs_.results, dirs_.temp}) {
      BOOST_OUTCOME_TRYV(remove_tree(dir));
    }
    BOOST_OUTCOME_TRY(archive, download_archive());
    BOOST_OUTCOME_TRYV(extract(archive));
    BOOST_OUTCOME_TRY(plan, make_plan());
    BOOST_OUTCOME_TRY(results, run_tasks(plan));
    BOOST_OUTCOME_TRYV(write_results(results));
    BOOST_OUTCOME_TRY(zip, pack());
    BOOST_OUTCOME_TRYV(upload(zip));
    return outcome::success();
  }

  void report(const std::string& command) { sink(progress{order_.job_id, command, {}, {}}); }

  void cleanup() {
    for (const auto& dir : {dirs_.downloads, dirs_.source, dirs_.results, dirs_.temp})
      (void) remove_tree(dir);
  }

private:
  void sink(const progress& p) {
    if (sink_)
      sink_(p);
  }

  // Lanes of a parallel run log their fetches at once.
  void log(const std::string& line) {
    std::lock_guard lock{log_mutex_};
    log_ << line << '\n';
  }

  // The slot's box, then each task box that runs as its uid (one lane each).
  std::vector<const sandbox::box*> lane_boxes() {
    std::vector<const sandbox::box*> boxes{&box_};
    for (const auto* extra : task_boxes_) {
      if (extra->uid() == box_.uid() && extra->gid() == box_.gid())
        boxes.push_back(extra);
      else
        log("task box " + std::to_string(extra->id()) + " not used: it runs as uid " +
            std::to_string(extra->uid()) + ", the slot's box as " + std::to_string(box_.uid()));
    }
    return boxes;
  }

  // A run gives the box directory back to whoever owned it when the run started, while other
  // lanes still work in it; when it already belongs to the boxes' shared uid, every give-back
  // leaves it with that uid.
  step<void> share_box_dir() {
    if (::chown(dirs_.source.c_str(), box_.uid(), box_.gid()) != 0)
      return internal_error("cannot give " + dirs_.source.string() + " to the task boxes: " +
                            std::error_code{errno, std::generic_category()}.message());
    return outcome::success();
  }

  step<fs::path> download_archive() {
    BOOST_OUTCOME_TRYV(make_tree(dirs_.downloads));
    const fs::path archive = dirs_.downloads / archive_name(order_.archive_url);
    if (auto got = transfer_.download(order_.archive_url, archive); !got)
      return internal_error("cannot download the submission archive: " + got.error().message);
    log("downloaded " + order_.archive_url);
    report("DOWNLOADED");
    return archive;
  }

  step<void> extract(const fs::path& archive) {
    BOOST_OUTCOME_TRYV(make_tree(dirs_.source));
    extract_options options = config_.extract;
    options.group_other_writable = true; // 6.3: sandboxed tasks write beside the submission
    auto extracted = extract_archive(archive, dirs_.source, options);
    if (!extracted)
      return internal_error("cannot extract the submission archive: " +
                            extracted.error().message);
    log("extracted " + std::to_string(extracted.value().files) + " files");
    BOOST_OUTCOME_TRYV(make_tree(dirs_.results));
    BOOST_OUTCOME_TRYV(make_tree(dirs_.temp));
    return outcome::success();
  }

  step<job_plan> make_plan() {
    const fs::path file = dirs_.source / "job-config.yml";
    BOOST_OUTCOME_TRY(text, read_job_config(file));
    job_context context;
    context.job_id = order_.job_id;
    context.hwgroup = config_.hwgroup;
    context.default_limits = config_.default_limits;
    context.variables =
        make_job_variables(config_.worker_id, order_.job_id, config_.working_directory.string(),
                           config_.temp_dir, config_.judges_dir);
    auto plan = build_job_plan(text, context);
    if (!plan)
      return job_failure{done_status_for(plan.error()), plan.error().message};
    BOOST_OUTCOME_TRYV(write_file(dirs_.results / "job-config.yml", text));
    return std::move(plan).value();
  }

  step<job_results> run_tasks(const job_plan& plan) {
    log_enabled_ = plan.submission.log;
    const std::string collector = plan.submission.file_collector;
    internal_task_context context;
    context.allowed_roots = {dirs_.source, dirs_.results, dirs_.temp};
    resolve_roots(context);
    context.extract = config_.extract;
    context.extract.group_other_writable = false;
    // The fetches after a running program are copied ahead, outside the job's directories.
    fetch_stager stager{dirs_.downloads / "staged",
                        [this](const std::string& name, const fs::path& file) {
                          return cache_.copy_cached(name, file);
                        }};
    context.stage_fetches = [&stager](const std::vector<std::string>& names) {
      stager.stage(names);
    };
    context.fetch = [this, collector, &stager](const std::string& name,
                                               const fs::path& destination) -> result<void> {
      if (stager.place(name, destination)) {
        log("fetch " + name + ": from the cache");
        return ok();
      }
      bool downloaded = false;
      auto download = [this, &collector, &downloaded](const std::string& file_name, const fs::path& file) {
        downloaded = true;
        return transfer_.download(collector + "/" + file_name, file);
      };
      auto fetched = cache_.fetch_to(name, destination, download);
      // The job log says where each file came from (how well the shared cache works).
      log("fetch " + name + (downloaded ? ": downloaded" : ": from the cache") + (fetched ? "" : " (failed)"));
      return fetched;
    };

    sandbox_executor_config box_config;
    box_config.box_dir = dirs_.source.string();
    box_config.max_output_length = config_.max_output_length;
    box_config.max_read_bytes = config_.max_carboncopy_length;
    box_config.judges_dir = config_.judges_dir;
    box_config.carboncopy_roots = {dirs_.source, dirs_.results, dirs_.temp};

    auto boxes = lane_boxes();
    // One lane: a task box of the slot's uid, if any, prepares the next task ahead.
    const sandbox::box* spare = nullptr;
    if (!config_.parallel_tasks && boxes.size() > 1) {
      spare = boxes[1];
      boxes.resize(1);
    }
    if (boxes.size() > 1) {
      BOOST_OUTCOME_TRYV(share_box_dir());
    }
    // One pair of executors per lane: a lane runs one task at a time, each box in one lane.
    std::vector<internal_executor> internals(boxes.size(), internal_executor{context});
    std::vector<sandbox_executor> externals;
    std::vector<task_lane> lanes;
    externals.reserve(boxes.size());
    for (std::size_t i = 0; i < boxes.size(); ++i) {
      externals.emplace_back(*boxes[i], box_config, spare);
      lanes.push_back(task_lane{&internals[i], &externals[i]});
    }

    auto ran = run_job_parallel(plan, config_.hwgroup, lanes, [this](const progress_state& s) {
      log(std::string(to_string(s.kind)) + (s.task_id.empty() ? "" : " " + s.task_id));
      sink(to_progress(order_.job_id, s));
    });
    if (ran.done != done_status::ok)
      return job_failure{ran.done, ran.message};
    return std::move(ran.results);
  }

  step<void> write_results(const job_results& results) {
    if (log_enabled_) {
      BOOST_OUTCOME_TRYV(write_file(dirs_.results / "job_system_log.log", log_.str()));
    }
    return write_file(dirs_.results / "result.yml", write_result_yml(results));
  }

  step<fs::path> pack() {
    if (!pack_)
      return internal_error("this worker cannot pack results");
    auto packed = pack_(dirs_.results);
    if (!packed)
      return internal_error("cannot pack the results: " + packed.error().message);
    return std::move(packed).value();
  }

  step<void> upload(const fs::path& zip) {
    if (auto sent = transfer_.upload(order_.result_url, zip); !sent)
      return internal_error("cannot upload the results: " + sent.error().message);
    report("UPLOADED");
    return outcome::success();
  }

  const job_evaluator_config& config_;
  const sandbox::box& box_;
  const std::vector<const sandbox::box*>& task_boxes_;
  file_transfer& transfer_;
  const storage::worker_cache& cache_;
  const results_packer& pack_;
  const job_order& order_;
  const progress_sink& sink_;
  job_directories dirs_;
  std::mutex log_mutex_;
  std::ostringstream log_;
  bool log_enabled_ = false;
};

} // namespace

result<job_order> job_order_from(const job_assignment& assignment) {
  if (assignment.payload.size() != 2)
    return make_error(errc::invalid_argument,
                      "eval of job " + assignment.job_id +
                          " must carry an archive URL and a result URL, got " +
                          std::to_string(assignment.payload.size()) + " frames");
  return job_order{assignment.job_id, assignment.payload[0], assignment.payload[1]};
}

job_directories directories_of(const job_evaluator_config& config, const std::string& job_id) {
  const fs::path& wd = config.working_directory;
  const std::string worker = std::to_string(config.worker_id);
  return {wd / "downloads" / worker / job_id, wd / "eval" / worker / job_id,
          wd / "results" / worker / job_id, wd / "temp" / worker / job_id};
}

job_evaluator::job_evaluator(job_evaluator_config config, const sandbox::box& box,
                             file_transfer& transfer, const storage::worker_cache& cache,
                             results_packer pack, std::vector<const sandbox::box*> task_boxes)
    : config_(std::move(config)), box_(box), task_boxes_(std::move(task_boxes)),
      transfer_(transfer), cache_(cache), pack_(std::move(pack)) {}

void job_evaluator::evict_cache() const {
  if (config_.cache_max_size == 0 && config_.cache_max_age.count() == 0)
    return;
  constexpr std::chrono::seconds a_century{100LL * 365 * 86400};
  // Best effort: a failed eviction leaves a larger cache, not a failed job.
  (void) cache_.evict(config_.cache_max_size ? config_.cache_max_size : ~std::uint64_t{0},
                      config_.cache_max_age.count() ? config_.cache_max_age : a_century);
}

job_done job_evaluator::evaluate(const job_order& order, const progress_sink& sink) {
  job_run_steps steps{config_, box_, task_boxes_, transfer_, cache_, pack_, order, sink};
  job_done done{order.job_id, job_status::ok, {}};
  try {
    auto outcome = steps.run();
    if (outcome) {
      steps.report("FINISHED");
    } else {
      done.status = to_job_status(outcome.error().status);
      done.message = outcome.error().message;
    }
  } catch (const std::exception& e) {
    // Only allocation failures and the like get here; the job is worth another worker's try.
    done.status = job_status::internal_error;
    done.message = std::string("unexpected failure: ") + e.what();
  }
  if (done.status == job_status::failed) {
    steps.report("FAILED");
    steps.report("FINISHED");
  } else if (done.status == job_status::internal_error) {
    steps.report("ABORTED");
  }
  if (config_.cleanup_submission && is_safe_job_id(order.job_id))
    steps.cleanup();
  evict_cache();
  return done;
}

} // namespace recodex::worker
