// sandbox/cgroup.hpp: the v2 backend against a fake cgroupfs tree (these machines have no v2
// memory or pids controller), and backend probing from fake mount tables.
#include "sandbox/cgroup.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace recodex::sandbox;

namespace {

struct fake_tree {
  std::string root;
  fake_tree() {
    char dir[] = "/tmp/recodex-fake-cgroup-XXXXXX";
    REQUIRE(::mkdtemp(dir));
    root = dir;
  }
  ~fake_tree() {
    std::string command = "rm -rf '" + root + "'";
    (void) !std::system(command.c_str());
  }
  void write(const std::string& relative, const std::string& text) const {
    std::ofstream{root + "/" + relative} << text;
  }
  std::string read(const std::string& relative) const {
    std::ifstream in{root + "/" + relative};
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  bool exists(const std::string& relative) const {
    struct stat st;
    return ::stat((root + "/" + relative).c_str(), &st) == 0;
  }
};

} // namespace

TEST_CASE("the v2 backend writes limits, joins and reads accounting", "[sandbox][cgroup][v2]") {
  fake_tree fake;
  fake.write("cgroup.subtree_control", "");
  ::mkdir((fake.root + "/recodex").c_str(), 0755);
  fake.write("recodex/cgroup.subtree_control", "");

  auto driver = make_cgroup_v2_driver(fake.root, "recodex");
  CHECK(driver->version() == cgroup_version::v2);
  auto created = driver->create("box-3");
  REQUIRE(created);
  auto& group = *created.value();
  CHECK(fake.read("cgroup.subtree_control") == "+memory +pids");
  CHECK(fake.read("recodex/cgroup.subtree_control") == "+memory +pids");
  REQUIRE(fake.exists("recodex/box-3"));

  // The kernel would create these control files; the fake lays them out by hand.
  for (auto file : {"memory.max", "memory.swap.max", "pids.max", "cgroup.procs"})
    fake.write(std::string{"recodex/box-3/"} + file, "");
  cgroup_limits limits;
  limits.memory_bytes = 64 << 20;
  limits.max_pids = 17;
  REQUIRE(group.set_limits(limits));
  CHECK(fake.read("recodex/box-3/memory.max") == "67108864");
  CHECK(fake.read("recodex/box-3/memory.swap.max") == "0");
  CHECK(fake.read("recodex/box-3/pids.max") == "17");
  REQUIRE(group.add_process(4242));
  CHECK(fake.read("recodex/box-3/cgroup.procs") == "4242");

  fake.write("recodex/box-3/cpu.stat", "usage_usec 1500000\nuser_usec 1400000\nsystem_usec 100000\n");
  fake.write("recodex/box-3/memory.peak", "70000000\n");
  fake.write("recodex/box-3/memory.events", "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\n");
  fake.write("recodex/box-3/pids.events", "max 3\n");
  auto cpu = group.cpu_ns();
  REQUIRE(cpu);
  CHECK(cpu.value() == 1500000000ULL);
  auto usage = group.usage();
  REQUIRE(usage);
  CHECK(usage.value().cpu_ns == 1500000000ULL);
  CHECK(usage.value().memory_peak_bytes == 70000000ULL);
  CHECK(usage.value().oom_kills == 1);
  CHECK(usage.value().pids_limit_hits == 3);

  // A real cgroupfs directory disappears with its files; a fake one must be emptied first,
  // which also shows that a failed removal names the group.
  auto busy = group.remove();
  REQUIRE_FALSE(busy);
  CHECK(busy.error().message.find("recodex/box-3") != std::string::npos);
  std::string command = "rm -f '" + fake.root + "/recodex/box-3/'*";
  REQUIRE(std::system(command.c_str()) == 0);
  REQUIRE(group.remove());
  CHECK_FALSE(fake.exists("recodex/box-3"));
}

TEST_CASE("v2 accounting counts from start_accounting(): the box's set-up is not the program's",
          "[sandbox][cgroup][v2]") {
  fake_tree fake;
  fake.write("cgroup.subtree_control", "");
  ::mkdir((fake.root + "/p").c_str(), 0755);
  fake.write("p/cgroup.subtree_control", "");
  auto created = make_cgroup_v2_driver(fake.root, "p")->create("b");
  REQUIRE(created);
  auto& group = *created.value();
  // What the init and the parked program used while the box was prepared.
  fake.write("p/b/cpu.stat", "usage_usec 2000\n");
  fake.write("p/b/memory.events", "oom_kill 1\n");
  fake.write("p/b/pids.events", "max 2\n");
  fake.write("p/b/memory.peak", "1000\n");
  REQUIRE(group.start_accounting());
  auto cpu = group.cpu_ns();
  REQUIRE(cpu);
  CHECK(cpu.value() == 0);

  fake.write("p/b/cpu.stat", "usage_usec 502000\n");
  fake.write("p/b/memory.events", "oom_kill 2\n");
  fake.write("p/b/pids.events", "max 5\n");
  auto usage = group.usage();
  REQUIRE(usage);
  CHECK(usage.value().cpu_ns == 500000000ULL);
  CHECK(usage.value().oom_kills == 1);
  CHECK(usage.value().pids_limit_hits == 3);
  std::string command = "rm -f '" + fake.root + "/p/b/'*";
  REQUIRE(std::system(command.c_str()) == 0);
}

TEST_CASE("the v2 backend falls back to memory.current without memory.peak", "[sandbox][cgroup][v2]") {
  fake_tree fake;
  fake.write("cgroup.subtree_control", "");
  ::mkdir((fake.root + "/p").c_str(), 0755);
  fake.write("p/cgroup.subtree_control", "");
  auto driver = make_cgroup_v2_driver(fake.root, "p");
  auto created = driver->create("b");
  REQUIRE(created);
  fake.write("p/b/cpu.stat", "usage_usec 7\n");
  fake.write("p/b/memory.current", "4096\n");
  fake.write("p/b/memory.events", "oom_kill 0\n");
  auto usage = created.value()->usage();
  REQUIRE(usage);
  CHECK(usage.value().memory_peak_bytes == 4096);
  CHECK(usage.value().cpu_ns == 7000);
  (void) !std::system(("rm -f '" + fake.root + "/p/b/'*").c_str());
}

TEST_CASE("a stale v2 group from a crashed run is replaced", "[sandbox][cgroup][v2]") {
  fake_tree fake;
  fake.write("cgroup.subtree_control", "");
  ::mkdir((fake.root + "/p").c_str(), 0755);
  ::mkdir((fake.root + "/p/b").c_str(), 0755);
  fake.write("p/cgroup.subtree_control", "");
  auto created = make_cgroup_v2_driver(fake.root, "p")->create("b");
  REQUIRE(created);
  CHECK(fake.exists("p/b"));
}

TEST_CASE("probing picks v2 when cgroup2 offers memory and pids", "[sandbox][cgroup][probe]") {
  fake_tree fake;
  ::mkdir((fake.root + "/unified").c_str(), 0755);
  fake.write("unified/cgroup.controllers", "cpuset cpu io memory hugetlb pids\n");
  fake.write("mounts", "cgroup2 " + fake.root + "/unified cgroup2 rw,nosuid 0 0\n");
  auto driver = probe_cgroups(fake.root + "/mounts", "recodex");
  REQUIRE(driver);
  CHECK(driver.value()->version() == cgroup_version::v2);
}

TEST_CASE("probing picks v1 when v2 lacks controllers and v1 has them", "[sandbox][cgroup][probe]") {
  fake_tree fake;
  ::mkdir((fake.root + "/unified").c_str(), 0755);
  fake.write("unified/cgroup.controllers", "hugetlb\n");
  fake.write("mounts", "cgroup2 " + fake.root + "/unified cgroup2 rw 0 0\n"
                       "cgroup /sys/fs/cgroup/memory cgroup rw,nosuid,memory 0 0\n"
                       "cgroup /sys/fs/cgroup/pids cgroup rw,pids 0 0\n"
                       "cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,cpu,cpuacct 0 0\n");
  auto driver = probe_cgroups(fake.root + "/mounts", "recodex");
  REQUIRE(driver);
  CHECK(driver.value()->version() == cgroup_version::v1);
  CHECK(driver.value()->describe().find("/sys/fs/cgroup/cpu,cpuacct") != std::string::npos);
}

TEST_CASE("probing explains what is missing", "[sandbox][cgroup][probe]") {
  fake_tree fake;
  fake.write("mounts", "cgroup /sys/fs/cgroup/memory cgroup rw,memory 0 0\n");
  auto driver = probe_cgroups(fake.root + "/mounts", "recodex");
  REQUIRE_FALSE(driver);
  CHECK(driver.error().code == recodex::errc::unavailable);
  CHECK(driver.error().message.find("pids, cpuacct") != std::string::npos);
}
