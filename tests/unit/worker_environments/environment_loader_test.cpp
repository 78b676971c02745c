// The environment definition loader: the shipped definitions, a complete file, and one row per
// error, each naming the file, the line and the key.
#include "actors/worker/environments/environment_definition.hpp"
#include "tests/harness/temp_directory.hpp"

#include <catch2/catch.hpp>
#include <fstream>

using namespace recodex;
using namespace recodex::worker;

namespace {

const std::string complete = R"(id: java17
description: Java 17
extensions: [.java]
detect:
  program: /usr/bin/java
  args: [-version]
  timeout: 2.5
compile:
  program: /usr/bin/javac
  args: [-d, ., "${SOURCES}"]
  output: ${MAIN_STEM}.class
  limits: {time: 20, wall-time: 40, memory: 1048576, parallel: 0}
run:
  program: /usr/bin/java
  args: [-cp, "${EVAL_DIR}", "${MAIN_STEM}"]
  limits: {parallel: 0, time-overhead: 0.5, memory-overhead: 65536}
bound-directories:
  - src: /etc/java-17-openjdk
  - dst: /opt/x
    mode: rw,maybe
environment:
  LANG: C.UTF-8
)";

void write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream{path} << text;
}

} // namespace

TEST_CASE("a complete definition loads with every field", "[environments][loader]") {
  auto parsed = parse_environment(complete, "java17.yml");
  INFO((parsed ? "" : parsed.error().message));
  REQUIRE(parsed);
  const environment_definition& env = parsed.value();
  CHECK(env.id == "java17");
  CHECK(env.description == "Java 17");
  CHECK(env.extensions == std::vector<std::string>{".java"});
  CHECK(env.detect.program == "/usr/bin/java");
  CHECK(env.detect.args == std::vector<std::string>{"-version"});
  CHECK(env.detect.timeout_s == 2.5);
  REQUIRE(env.compile);
  CHECK(env.compile->program == "/usr/bin/javac");
  CHECK(env.compile->args == std::vector<std::string>{"-d", ".", "${SOURCES}"});
  CHECK(env.compile->output == std::optional<std::string>{"${MAIN_STEM}.class"});
  CHECK(env.compile->time == std::optional<double>{20});
  CHECK(env.compile->wall_time == std::optional<double>{40});
  CHECK(env.compile->memory == std::optional<std::uint64_t>{1048576});
  CHECK(env.compile->parallel == std::optional<std::uint64_t>{0});
  CHECK(env.run.program == "/usr/bin/java");
  CHECK(env.run.args == std::vector<std::string>{"-cp", "${EVAL_DIR}", "${MAIN_STEM}"});
  CHECK(env.run.parallel == std::optional<std::uint64_t>{0});
  CHECK(env.run.time_overhead == 0.5);
  CHECK(env.run.memory_overhead == 65536);
  REQUIRE(env.bound_directories.size() == 2);
  CHECK(env.bound_directories[0] ==
        bound_directory{"/etc/java-17-openjdk", "/etc/java-17-openjdk", dir_mode::read_only});
  CHECK(env.bound_directories[1] ==
        bound_directory{"/opt/x", "/opt/x", dir_mode::rw | dir_mode::maybe});
  CHECK(env.environment_variables == environment{{"LANG", "C.UTF-8"}});
  CHECK(env.file == "java17.yml");
}

TEST_CASE("a minimal definition needs only id, extensions, detect and run",
          "[environments][loader]") {
  auto parsed = parse_environment("id: python3\nextensions: [.py]\n"
                                  "detect: {program: /usr/bin/python3}\n"
                                  "run: {program: /usr/bin/python3, args: ['${MAIN_SOURCE}']}\n",
                                  "python3.yml");
  REQUIRE(parsed);
  CHECK_FALSE(parsed.value().compile);
  CHECK(parsed.value().detect.args.empty());
  CHECK(parsed.value().detect.timeout_s == 5);
  CHECK(parsed.value().run.time_overhead == 0);
  CHECK_FALSE(parsed.value().run.parallel);
}

TEST_CASE("every error names the file, the line and the key", "[environments][loader]") {
  const std::string head = "id: c\nextensions: [.c]\ndetect: {program: /usr/bin/gcc}\n";
  struct row {
    std::string yaml;
    std::string message;
  };
  auto r = GENERATE_COPY(values<row>({
      {"- a list\n", "env.yml: expected a mapping at the top"},
      {"id: [\n", "env.yml:2: not valid YAML"},
      {"extensions: [.c]\ndetect: {program: /bin/true}\nrun: {program: ./a}\n",
       "env.yml:1: id: is required"},
      {"id: 'c gcc'\n", "env.yml:1: id: 'c gcc' is not a header value"},
      {"id: env=c\n", "env.yml:1: id: 'env=c' is not a header value"},
      {head + "run: {program: ./a.out}\ncolour: red\n", "env.yml:5: colour: unknown key"},
      {head + "", "env.yml:1: run: is required"},
      {"id: c\nextensions: [.c]\nrun: {program: ./a}\n", "env.yml:1: detect: is required"},
      {"id: c\ndetect: {program: /bin/true}\nrun: {program: ./a}\n",
       "env.yml:1: extensions: is required"},
      {"id: c\nextensions: [c]\ndetect: {program: /bin/true}\nrun: {program: ./a}\n",
       "env.yml:2: extensions[0]: expected a suffix such as .c, got 'c'"},
      {"id: c\nextensions: [.c]\ndetect: {program: gcc}\nrun: {program: ./a}\n",
       "env.yml:3: detect.program: must be an absolute path, got 'gcc'"},
      {"id: c\nextensions: [.c]\ndetect: {program: /bin/true, timeout: 0}\nrun: {program: ./a}\n",
       "env.yml:3: detect.timeout: must be more than 0 seconds"},
      {"id: c\nextensions: [.c]\ndetect: {program: /bin/true, timeout: soon}\nrun: {program: "
       "./a}\n",
       "env.yml:3: detect.timeout: expected a non-negative number of seconds, got 'soon'"},
      {head + "run: {program: ./a.out}\ncompile: {program: gcc}\n",
       "env.yml:5: compile.program: must be an absolute path, got 'gcc'"},
      {head + "run: {program: ../a.out}\n",
       "env.yml:4: run.program: must be an absolute path, got '../a.out'"},
      {head + "run: {program: ./a.out, args: [x, '${SOURCE}']}\n",
       "env.yml:4: run.args[1]: unknown placeholder ${SOURCE}"},
      {head + "run: {program: ./a.out, args: ['-I${SOURCES}']}\n",
       "env.yml:4: run.args[0]: ${SOURCES} must be a whole argument"},
      {head + "run: {program: ./a.out, args: ['${EVAL_DIR']}\n",
       "env.yml:4: run.args[0]: '${' without '}' in '${EVAL_DIR'"},
      {head + "run: {program: ./a.out, args: x}\n", "env.yml:4: run.args: expected a list"},
      {head + "run: {program: ./a.out, args: [[x]]}\n",
       "env.yml:4: run.args[0]: expected a text value"},
      {head + "run: {program: ./a.out, limits: {time: 1}}\n",
       "env.yml:4: run.limits.time: unknown key"},
      {head + "run: {program: ./a.out, limits: {parallel: -1}}\n",
       "env.yml:4: run.limits.parallel: expected a non-negative integer, got '-1'"},
      {head + "run: {program: ./a.out}\ncompile: {program: /usr/bin/gcc, output: /tmp/a}\n",
       "env.yml:5: compile.output: must be a file name relative to the job directory"},
      {head + "run: {program: ./a.out}\ncompile: {program: /usr/bin/gcc, limits: {memory: lots}}\n",
       "env.yml:5: compile.limits.memory: expected a non-negative integer, got 'lots'"},
      {head + "run: {program: ./a.out}\ncompile: {program: /usr/bin/gcc, limits: {time-overhead: "
              "1}}\n",
       "env.yml:5: compile.limits.time-overhead: unknown key"},
      {head + "run: {program: ./a.out}\nbound-directories: {src: /x}\n",
       "env.yml:5: bound-directories: expected a list"},
      {head + "run: {program: ./a.out}\nbound-directories:\n  - mode: rw\n",
       "env.yml:6: bound-directories[0]: needs src or dst"},
      {head + "run: {program: ./a.out}\nbound-directories:\n  - src: etc/x\n",
       "env.yml:6: bound-directories[0]: src and dst must be absolute paths without '..'"},
      {head + "run: {program: ./a.out}\nbound-directories:\n  - {src: /x, size: 1}\n",
       "env.yml:6: bound-directories[0].size: unknown key"},
      {head + "run: {program: ./a.out}\nenvironment: [A]\n",
       "env.yml:5: environment: expected a mapping"},
      {head + "run: {program: ./a.out}\nenvironment: {A: [1]}\n",
       "env.yml:5: environment.A: expected a text value"},
  }));
  INFO(r.yaml);
  auto parsed = parse_environment(r.yaml, "env.yml");
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().code == errc::invalid_argument);
  CHECK_THAT(parsed.error().message, Catch::StartsWith(r.message));
}

TEST_CASE("the shipped definitions load: C, C++, Python 3 and Java 17", "[environments][loader]") {
  auto loaded = load_environments(std::string{RECODEX_SOURCE_DIR} + "/deploy/environments");
  INFO((loaded ? "" : loaded.error().message));
  REQUIRE(loaded);
  std::vector<std::string> ids;
  for (const auto& env : loaded.value())
    ids.push_back(env.id);
  // Sorted by file name; README.md is skipped.
  CHECK(ids == std::vector<std::string>{"c-gcc-linux", "cxx-gpp-linux", "java17", "python3"});
}

TEST_CASE("a directory load skips other files and fails on a duplicate id naming both files",
          "[environments][loader]") {
  recodex::testing::temp_directory dir{"recodex-environments"};
  const std::string c = "id: c\nextensions: [.c]\ndetect: {program: /usr/bin/gcc}\n"
                        "run: {program: ./a.out}\n";
  write(dir / "a.yml", c);
  write(dir / "notes.txt", "id: [ not yaml");
  auto loaded = load_environments(dir.path());
  REQUIRE(loaded);
  CHECK(loaded.value().size() == 1);
  CHECK(loaded.value()[0].file == (dir / "a.yml").string());

  write(dir / "b.yaml", c);
  auto duplicate = load_environments(dir.path());
  REQUIRE_FALSE(duplicate);
  CHECK(duplicate.error().message ==
        (dir / "b.yaml").string() + ": id 'c' is already defined in " + (dir / "a.yml").string());

  write(dir / "b.yaml", "id: d\n");
  auto broken = load_environments(dir.path());
  REQUIRE_FALSE(broken);
  CHECK_THAT(broken.error().message, Catch::StartsWith((dir / "b.yaml").string() + ":1: "));
}

TEST_CASE("a missing directory is an io_error", "[environments][loader]") {
  auto loaded = load_environments("/nonexistent/recodex-environments");
  REQUIRE_FALSE(loaded);
  CHECK(loaded.error().code == errc::io_error);
  CHECK_THAT(
      loaded.error().message,
      Catch::StartsWith("cannot read environment directory /nonexistent/recodex-environments"));
}
