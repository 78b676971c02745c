// Tests of actors/worker/evaluation/yaml_tree.hpp: libyaml's tree must be the one yaml-cpp
// builds (kinds, scalars, lines, nulls, aliases, duplicate keys), and whatever libyaml does not
// read the way yaml-cpp does is yaml-cpp's to decide, with its messages. Hostile documents
// (alias bombs, deep nesting, huge scalars, duplicate keys) go through parse_job_config too.
#include "actors/worker/evaluation/job_config.hpp"
#include "actors/worker/evaluation/yaml_tree.hpp"
#include "tests/unit/worker_evaluation/example_job.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace recodex;
using namespace recodex::worker;

namespace {

// The tree as text, every node with its line; aliases may make cycles, so depth is bounded.
std::string dump(const yaml_node& n, int depth = 0) {
  const auto at = "@" + std::to_string(n.line());
  if (depth > 8)
    return "...";
  switch (n.type()) {
  case yaml_node::kind::null:
    return "~" + at;
  case yaml_node::kind::scalar:
    return "'" + std::string(n.scalar()) + "'" + at;
  case yaml_node::kind::sequence: {
    std::string out = "[" + at;
    for (std::size_t i = 0; i < n.size(); ++i)
      out += " " + dump(n[i], depth + 1);
    return out + "]";
  }
  case yaml_node::kind::mapping: {
    std::string out = "{" + at;
    for (std::size_t i = 0; i < n.size(); ++i)
      out += " " + dump(n.key(i), depth + 1) + ": " + dump(n.value(i), depth + 1);
    return out + "}";
  }
  }
  return "?";
}

std::string dump(const std::variant<yaml_tree, yaml_syntax_error>& parsed) {
  if (const auto* bad = std::get_if<yaml_syntax_error>(&parsed))
    return "error: " + bad->message + " (line " + std::to_string(bad->line) + ")";
  return dump(std::get<yaml_tree>(parsed).root());
}

} // namespace

TEST_CASE("libyaml builds the tree yaml-cpp builds", "[worker][yaml_tree]") {
  const std::vector<std::string> rows{
      std::string(test::example_job),
      "",
      "# only a comment\n",
      "---\n",
      "%YAML 1.1\n---\na: b\n",
      "a: b\n---\nc: d\n",
      "a:\n",
      "a:\nb: 1\n",
      "a:\n  - \n  - x\n  -\n",
      "{a: , b: [~, null, Null, NULL, '~', \"null\", !!str null, !!str , '']}\n",
      "a: |\n  two\n  lines\nb: >\n  folded\n  text\nc: \"esc\\taped \\u00e9\"\n",
      "a: plain\n  continued\n",
      "a: 1\na: 2\n",
      "a: &x 1\nb: &x 2\nc: *x\n",
      "a: &s [1, 2]\nb: *s\nc: &m {k: v}\nd: *m\n",
      "a: &x [1, *x]\n",
      "? [a, b]\n: c\n~: d\n",
      "- a: 1\n  b: 2\n- - x\n  - y\n",
      "a: &e\nb: *e\n",
  };
  for (const auto& yaml : rows) {
    DYNAMIC_SECTION(yaml) {
      CHECK(dump(parse_yaml(yaml)) == dump(parse_yaml_with_yaml_cpp(yaml)));
    }
  }
}

TEST_CASE("nodes carry the lines yaml-cpp gives them", "[worker][yaml_tree]") {
  const auto parsed = parse_yaml("a:\n  - \n  - x\nb:\n  c: &v 1\nd: *v\n");
  REQUIRE(std::holds_alternative<yaml_tree>(parsed));
  const auto root = std::get<yaml_tree>(parsed).root();
  CHECK(root.line() == 1);
  REQUIRE(root.size() == 3);
  const auto list = root.value(0);
  CHECK(list.line() == 2);
  CHECK(list[0].is_null());
  CHECK(list[0].line() == 3); // an empty entry sits at the token after it, as in yaml-cpp
  CHECK(list[1].line() == 3);
  CHECK(root.value(1).line() == 5);
  CHECK(root.value(2).scalar() == "1");
  CHECK(root.value(2).line() == 5); // an alias is its anchored node
  CHECK(std::get<yaml_tree>(parse_yaml("")).root().line() == 0);
}

TEST_CASE("an alias is the anchored node itself, even inside it", "[worker][yaml_tree]") {
  const auto parsed = parse_yaml("a: &x [1, *x]\n");
  REQUIRE(std::holds_alternative<yaml_tree>(parsed));
  const auto outer = std::get<yaml_tree>(parsed).root().value(0);
  REQUIRE(outer.size() == 2);
  CHECK(outer[1].is_sequence());
  CHECK(outer[1][1][1][0].scalar() == "1");
}

TEST_CASE("what libyaml reads differently is yaml-cpp's decision, with its messages",
          "[worker][yaml_tree]") {
  struct row {
    const char* name;
    std::string yaml;
    std::string expected; // dump() of the result
  };
  const std::vector<row> rows{
      {"undefined alias", "a: *nowhere\n", "error: the referenced anchor is not defined (line 1)"},
      {"500 nested lists", std::string(500, '[') + std::string(500, ']'),
       "error: bad file (line 1)"},
      {"syntax error", "a: [b\n", "error: end of sequence flow not found (line 2)"},
      {"anchor name with a colon", "&a: x\n", "'x'@1"},
      {"question mark in a flow scalar", "[a?b]\n", "error: unknown token (line 1)"},
      {"invalid UTF-8", "a: \xff\xfe\n", "{@1 'a'@1: '\xff\xfe'@1}"},
      {"control character", "a: b\x01c\n", "{@1 'a'@1: 'b\x01c'@1}"},
  };
  for (const auto& r : rows) {
    DYNAMIC_SECTION(r.name) {
      CHECK(dump(parse_yaml(r.yaml)) == r.expected);
      CHECK(dump(parse_yaml(r.yaml)) == dump(parse_yaml_with_yaml_cpp(r.yaml)));
    }
  }
}

TEST_CASE("hostile job configs end as they did with yaml-cpp", "[worker][yaml_tree][job_config]") {
  SECTION("an alias bomb is refused before anything is expanded") {
    // 9^9 strings if it were expanded.
    std::string yaml = "submission: {job-id: j, file-collector: x, hw-groups: [g]}\n"
                       "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
    for (int i = 1; i <= 9; ++i) {
      const auto prev = "*l" + std::to_string(i - 1);
      yaml += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [" + prev;
      for (int k = 1; k < 9; ++k)
        yaml += ", " + prev;
      yaml += "]\n";
    }
    yaml += "tasks: *l9\n";
    const auto parsed = parse_job_config(yaml);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code == errc::invalid_argument);
    CHECK(parsed.error().message == "job-config.yml expands to 2000000 or more nodes through "
                                    "its aliases (an alias bomb?)");
  }
  SECTION("so is one the schema would walk: tasks x limits x bound directories") {
    // 150 tasks, each with 150 limit entries, each binding 150 directories: 3 375 000 entries
    // from about 3 KB (the old parser built them all).
    auto repeat = [](const std::string& item) {
      std::string list = "[" + item;
      for (int i = 1; i < 150; ++i)
        list += ", " + item;
      return list + "]";
    };
    std::string yaml = "submission: {job-id: j, file-collector: x, hw-groups: [g]}\n"
                       "dir: &dir {src: /tmp, dst: t, mode: RO}\n"
                       "limit: &limit {hw-group-id: g, bound-directories: " +
                       repeat("*dir") +
                       "}\n"
                       "task: &task {task-id: t, cmd: {bin: b}, sandbox: {name: isolate, limits: " +
                       repeat("*limit") + "}}\n" + "tasks: " + repeat("*task") + "\n";
    CHECK(yaml.size() < 4000);
    const auto parsed = parse_job_config(yaml);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code == errc::invalid_argument);
    CHECK(parsed.error().message.find("alias bomb") != std::string::npos);
  }
  SECTION("the count follows paths, so a node shared by a few is counted per path") {
    auto parsed = parse_yaml("a: &a [1, 2]\nb: [*a, *a]\n");
    const auto& tree = std::get<yaml_tree>(parsed);
    // root; keys a, b; [1, 2] under a, and twice under b, each with its two items; b's list.
    CHECK(tree.paths_within(10, 1000) == 1 + 2 + 3 + 1 + 2 * 3);
    CHECK(tree.paths_within(1, 1000) == 1 + 4);
    CHECK(tree.paths_within(10, 5) == 5);
  }
  SECTION("nesting too deep is a syntax error") {
    const auto parsed =
        parse_job_config("submission: " + std::string(600, '[') + std::string(600, ']') + "\n");
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code == errc::internal);
    CHECK(parsed.error().message == "job-config.yml is not valid YAML: bad file (line 1)");
  }
  SECTION("the first of duplicate keys decides, and a null one counts as absent") {
    const std::string tasks = "tasks: []\n";
    auto parsed = parse_job_config("submission:\n  job-id: a\n  job-id: b\n  file-collector: x\n"
                                   "  hw-groups: [g]\n" +
                                   tasks);
    REQUIRE(parsed);
    CHECK(parsed.value().submission.job_id == "a");
    parsed = parse_job_config("submission:\n  job-id:\n  job-id: b\n  file-collector: x\n"
                              "  hw-groups: [g]\n" +
                              tasks);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().message ==
          "job-config.yml line 2: submission.job-id: required key is missing");
  }
  SECTION("a huge scalar is read whole") {
    const std::string id(4 << 20, 'j');
    const auto parsed = parse_job_config("submission:\n  job-id: " + id +
                                         "\n  file-collector: x\n  hw-groups: [g]\ntasks: []\n");
    REQUIRE(parsed);
    CHECK(parsed.value().submission.job_id == id);
  }
}
