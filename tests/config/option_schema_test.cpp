// Specification of the option tables themselves: read_options() on any struct, nested or not,
// and the readers a provider instance needs (decimal numbers, maps of strings).
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/config/env_expansion.h"
#include "core/config/option_schema.h"

namespace moodgate::config {
namespace {

struct Widget {
  std::string name = "w";
  int size = 1;
  double weight = 0.5;
  std::map<std::string, std::string> labels;
};

std::vector<OptionSpec<Widget>> widget_rows() {
  return {
      required(text_option<Widget>("name", "what it is called", &Widget::name,
                                   TextRule{.expected = "a name"})),
      integer_option<Widget>("size", "how big", &Widget::size, 1, 10),
      decimal_option<Widget>("weight", "how heavy", &Widget::weight, "a weight in kg", 0, 100),
      text_map_option<Widget>("labels", "free-form labels", &Widget::labels, "a map of labels",
                              TextRule{.expected = "a label", .allow_empty = true}),
  };
}

// The value of the one key of the YAML map `yaml`, expanded as the loader does (in an empty
// environment).
ConfigNode node_of(const std::string& yaml) {
  Result<ConfigNode> parsed = parse_config_tree(yaml, "t.yaml");
  REQUIRE(parsed.ok());
  ConfigNode root = std::move(parsed).value();
  expand_environment(root, [](const std::string&) { return std::optional<std::string>(); });
  REQUIRE(root.entries.size() == 1);
  return root.entries[0].value;
}

struct Read {
  Widget widget;
  bool was_map = false;
  std::string problems;
};

Read read_widget(const std::string& yaml) {
  Read read;
  Problems problems("t.yaml");
  const ConfigNode node = node_of(yaml);
  read.was_map = read_options(&node, "widget", widget_rows(), read.widget, problems);
  read.problems = problems.joined();
  return read;
}

}  // namespace

TEST_CASE("read_options reads a map of options into any struct, row by row", "[config]") {
  const Read read =
      read_widget("widget:\n  name: cog\n  size: 3\n  weight: 1.25\n  labels: {a: x, b: \"\"}\n");
  CHECK(read.problems.empty());
  CHECK(read.was_map);
  CHECK(read.widget.name == "cog");
  CHECK(read.widget.size == 3);
  CHECK(read.widget.weight == 1.25);
  CHECK(read.widget.labels == std::map<std::string, std::string>{{"a", "x"}, {"b", ""}});
}

TEST_CASE("read_options reports every problem and keeps the defaults of what it refuses",
          "[config]") {
  const Read read =
      read_widget("widget:\n  size: 11\n  size: 2\n  colour: red\n  weight: -1\n  labels: [a]\n");
  CHECK(read.was_map);
  CHECK(read.problems ==
        "t.yaml: widget.size: expected an integer 1..10, got \"11\"\n"
        "t.yaml: widget.size: duplicate key (first given on line 2)\n"
        "t.yaml: widget.colour: unknown key (known: name, size, weight, labels)\n"
        "t.yaml: widget.weight: expected a weight in kg, got \"-1\"\n"
        "t.yaml: widget.labels: expected a map of labels, got a list\n"
        "t.yaml: widget.name: required, but not given");
  CHECK(read.widget.size == 1);
  CHECK(read.widget.weight == 0.5);
}

TEST_CASE("read_options refuses a value that is not a map and reads nothing of it", "[config]") {
  Read read = read_widget("widget: cog\n");
  CHECK_FALSE(read.was_map);
  CHECK(read.problems ==
        "t.yaml: widget: expected a map with the keys name, size, weight, labels, got \"cog\"");
  read = read_widget("widget:\n");
  CHECK_FALSE(read.was_map);
  CHECK(read.problems ==
        "t.yaml: widget: expected a map with the keys name, size, weight, labels, got an empty "
        "value");
}

TEST_CASE("read_options on a map left out reports only its required options", "[config]") {
  Widget widget;
  Problems problems("t.yaml");
  CHECK(read_options(nullptr, "widget", widget_rows(), widget, problems));
  CHECK(problems.joined() == "t.yaml: widget.name: required, but not given");
}

TEST_CASE("A decimal option takes min, refuses the upper bound, and shows the shortest text",
          "[config]") {
  CHECK(read_widget("widget:\n  name: a\n  weight: 0\n").widget.weight == 0);
  CHECK(read_widget("widget:\n  name: a\n  weight: 99.5\n").widget.weight == 99.5);
  CHECK(read_widget("widget:\n  name: a\n  weight: 100\n").problems ==
        "t.yaml: widget.weight: expected a weight in kg, got \"100\"");
  const OptionSpec<Widget> weight = widget_rows()[2];
  Widget widget;
  widget.weight = 0.3;
  CHECK(weight.show(widget) == "0.3");
  widget.weight = 2;
  CHECK(weight.show(widget) == "2");
}

TEST_CASE("A map of strings may be left empty and refuses a repeated key", "[config]") {
  CHECK(read_widget("widget:\n  name: a\n  labels:\n").widget.labels.empty());
  CHECK(read_widget("widget:\n  name: a\n  labels: {k: 1, k: 2}\n").problems ==
        "t.yaml: widget.labels.k: duplicate key");
  CHECK(read_widget("widget:\n  name: a\n  labels: {k: {x: 1}}\n").problems ==
        "t.yaml: widget.labels.k: expected a label, got a map");
}

}  // namespace moodgate::config
