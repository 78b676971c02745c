// Tests actors/filestore/multipart_parser.hpp: one row per body, good and malformed, every row
// replayed in chunks of 1, 2, 5, 64 and 4096 bytes (the parser must not care where a chunk
// ends), plus the boundary extraction from Content-Type.
#include "actors/filestore/multipart_parser.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace fs = recodex::filestore;
using recodex::errc;
using recodex::error;
using recodex::result;

namespace {

struct recorded_part {
  fs::part_header header;
  std::string content;
  bool ended = false;

  friend bool operator==(const recorded_part& a, const recorded_part& b) {
    return a.header == b.header && a.content == b.content && a.ended == b.ended;
  }
};

std::ostream& operator<<(std::ostream& out, const recorded_part& p) {
  out << "{name=" << p.header.name << " filename=" << p.header.filename.value_or("<none>")
      << " type=" << p.header.content_type << " content=" << p.content.size() << " bytes '"
      << p.content.substr(0, 40) << "'" << (p.ended ? " ended" : " open") << "}";
  return out;
}

class recorder : public fs::multipart_handler {
public:
  result<void> on_part_begin(const fs::part_header& header) override {
    parts.push_back({header, {}, false});
    return recodex::ok();
  }
  result<void> on_part_data(std::string_view data) override {
    REQUIRE(!parts.empty());
    REQUIRE(!parts.back().ended);
    parts.back().content.append(data);
    return recodex::ok();
  }
  result<void> on_part_end() override {
    parts.back().ended = true;
    return recodex::ok();
  }
  std::vector<recorded_part> parts;
};

recorded_part part(std::string name, std::string content,
                   std::optional<std::string> filename = std::nullopt, std::string type = {}) {
  return recorded_part{fs::part_header{std::move(name), std::move(filename), std::move(type)},
                       std::move(content), true};
}

// Feeds `body` in chunks of `chunk` bytes, then finish(); the first error ends the run.
result<void> run(fs::multipart_parser& parser, fs::multipart_handler& handler,
                 const std::string& body, std::size_t chunk) {
  for (std::size_t at = 0; at < body.size(); at += chunk) {
    auto piece = std::string_view(body).substr(at, chunk);
    if (auto r = parser.feed(piece, handler); !r)
      return r;
  }
  return parser.finish();
}

std::string all_bytes() {
  std::string out;
  for (int i = 0; i < 256; ++i)
    out.push_back(static_cast<char>(i));
  return out + out;
}

struct good_row {
  std::string description;
  std::string boundary;
  std::string body;
  std::vector<recorded_part> expected;
};

struct bad_row {
  std::string description;
  std::string boundary;
  std::string body;
  std::string message; // a substring of the error
  fs::multipart_parser::limits limits{};
};

} // namespace

TEST_CASE("well-formed multipart bodies give every part whatever the chunking",
          "[filestore][multipart]") {
  const std::string tricky = "a\r\n--bound\r\n--boundar\r\r\n-\r\n\r\n--boundar y\r";
  auto rows = std::vector<good_row>{
      {"one field",
       "boundary",
       "--boundary\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nhello\r\n--boundary--\r\n",
       {part("a", "hello")}},
      {"a file and a field",
       "XyZ",
       "--XyZ\r\nContent-Disposition: form-data; name=\"src/main.c\"; filename=\"main.c\"\r\n"
       "Content-Type: text/x-c\r\n\r\nint main(){}\n\r\n--XyZ\r\n"
       "Content-Disposition: form-data; name=\"note\"\r\n\r\nplain\r\n--XyZ--",
       {part("src/main.c", "int main(){}\n", "main.c", "text/x-c"), part("note", "plain")}},
      {"preamble and epilogue are ignored",
       "b",
       "this is a preamble\r\n--b\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--b--\r\n"
       "epilogue --b\r\n",
       {part("x", "1")}},
      {"near-misses of the delimiter are content",
       "boundary",
       "--boundary\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\n" + tricky +
           "\r\n--boundary--\r\n",
       {part("t", tricky)}},
      {"empty content and an empty file",
       "b",
       "--b\r\nContent-Disposition: form-data; name=\"e\"\r\n\r\n\r\n--b\r\n"
       "Content-Disposition: form-data; name=\"f\"; filename=\"\"\r\n\r\n\r\n--b--\r\n",
       {part("e", ""), part("f", "", "")}},
      {"transport padding after a delimiter",
       "b",
       "--b \t\r\nContent-Disposition: form-data; name=\"p\"\r\n\r\nv\r\n--b--  \r\n",
       {part("p", "v")}},
      {"quoted-pair escapes in parameters",
       "b",
       "--b\r\nContent-Disposition: form-data; name=\"a\\\"b\"; filename=\"c;d.txt\"\r\n\r\nz\r\n"
       "--b--\r\n",
       {part("a\"b", "z", "c;d.txt")}},
      {"filename* in UTF-8 wins over filename",
       "b",
       "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"e.txt\"; "
       "filename*=UTF-8''%C3%A9.txt\r\n\r\nx\r\n--b--\r\n",
       {part("f", "x", "\xC3\xA9.txt")}},
      {"header names and the disposition type are case-insensitive",
       "b",
       "--b\r\ncontent-disposition: Form-Data; NAME=\"n\"\r\nCONTENT-TYPE: a/b\r\n"
       "X-Other: ignored\r\n\r\nq\r\n--b--\r\n",
       {part("n", "q", std::nullopt, "a/b")}},
      {"binary content with every byte value",
       "----WebKitFormBoundary7MA4YWxkTrZu0gW",
       "------WebKitFormBoundary7MA4YWxkTrZu0gW\r\nContent-Disposition: form-data; name=\"bin\"; "
       "filename=\"b.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n" +
           all_bytes() + "\r\n------WebKitFormBoundary7MA4YWxkTrZu0gW--\r\n",
       {part("bin", all_bytes(), "b.bin", "application/octet-stream")}},
      {"bare LF header lines are accepted",
       "b",
       "--b\r\nContent-Disposition: form-data; name=\"lf\"\n\nbody\r\n--b--\r\n",
       {part("lf", "body")}},
      {"punctuation allowed in boundaries",
       "a'()+_,-./:=?",
       "--a'()+_,-./:=?\r\nContent-Disposition: form-data; "
       "name=\"x\"\r\n\r\ny\r\n--a'()+_,-./:=?--",
       {part("x", "y")}},
      {"no parts at all", "b", "--b--\r\n", {}},
  };
  auto chunk = GENERATE(as<std::size_t>{}, 1, 2, 5, 64, 4096);
  for (const auto& row : rows) {
    INFO(row.description << ", chunks of " << chunk);
    fs::multipart_parser parser(row.boundary);
    recorder rec;
    auto r = run(parser, rec, row.body, chunk);
    INFO((r ? std::string("ok") : r.error().message));
    CHECK(r.has_value());
    CHECK(parser.done());
    CHECK(rec.parts == row.expected);
    CHECK(parser.parts() == row.expected.size());
  }
}

TEST_CASE("malformed multipart bodies fail with a message saying what was expected",
          "[filestore][multipart]") {
  const std::string disposition = "Content-Disposition: form-data; name=\"a\"\r\n";
  auto rows = std::vector<bad_row>{
      {"no closing delimiter", "b", "--b\r\n" + disposition + "\r\nhello", "ended inside part 'a'"},
      {"no boundary anywhere", "b", "just some text", "no boundary found"},
      {"empty body", "b", "", "no boundary found"},
      {"garbage after a delimiter", "b", "--bX\r\n", "expected CRLF or \"--\""},
      {"half a closing dash", "b", "--b-x", "expected \"--\""},
      {"CR without LF after a delimiter", "b", "--b\rX", "expected LF"},
      {"ends inside the headers", "b", "--b\r\n" + disposition, "inside a part's headers"},
      {"no Content-Disposition", "b", "--b\r\nContent-Type: a/b\r\n\r\nx\r\n--b--",
       "has no Content-Disposition"},
      {"disposition is not form-data", "b",
       "--b\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--b--", "must be form-data"},
      {"no field name", "b",
       "--b\r\nContent-Disposition: form-data; filename=\"f\"\r\n\r\nx\r\n--b--",
       "has no field name"},
      {"empty field name", "b",
       "--b\r\nContent-Disposition: form-data; name=\"\"\r\n\r\nx\r\n--b--", "has no field name"},
      {"header line without a colon", "b", "--b\r\n" + disposition + "garbage\r\n\r\nx\r\n--b--",
       "without a name"},
      {"folded header line", "b", "--b\r\n" + disposition + " folded\r\n\r\nx\r\n--b--",
       "folded header lines"},
      {"unterminated quoted string", "b",
       "--b\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--b--",
       "malformed Content-Disposition"},
      {"bad filename*", "b",
       "--b\r\nContent-Disposition: form-data; name=\"a\"; filename*=latin1''x\r\n\r\nx\r\n--b--",
       "malformed filename*"},
      {"headers longer than the limit", "b",
       "--b\r\n" + disposition + "X-Long: " + std::string(200, 'x') + "\r\n\r\nx\r\n--b--",
       "part headers longer than 100 bytes", fs::multipart_parser::limits{100, 1000}},
      {"more parts than the limit", "b",
       "--b\r\n" + disposition + "\r\n1\r\n--b\r\n" + disposition + "\r\n2\r\n--b\r\n" +
           disposition + "\r\n3\r\n--b--",
       "more than 2 parts", fs::multipart_parser::limits{16384, 2}},
  };
  auto chunk = GENERATE(as<std::size_t>{}, 1, 2, 5, 64, 4096);
  for (const auto& row : rows) {
    INFO(row.description << ", chunks of " << chunk);
    fs::multipart_parser parser(row.boundary, row.limits);
    recorder rec;
    auto r = run(parser, rec, row.body, chunk);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == errc::invalid_argument);
    CHECK_THAT(r.error().message, Catch::Contains(row.message));
    CHECK_THAT(r.error().message, Catch::StartsWith("malformed multipart body"));
    CHECK_FALSE(parser.done());
    // A spent parser stays spent.
    CHECK_FALSE(parser.feed("more", rec).has_value());
  }
}

TEST_CASE("an error from the handler stops the parse and comes back unchanged",
          "[filestore][multipart]") {
  class refuser : public recorder {
  public:
    result<void> on_part_begin(const fs::part_header& header) override {
      if (header.name == "bad")
        return error{errc::too_large, "refused " + header.name};
      return recorder::on_part_begin(header);
    }
  };
  const std::string body = "--b\r\nContent-Disposition: form-data; name=\"ok\"\r\n\r\n1\r\n--b\r\n"
                           "Content-Disposition: form-data; name=\"bad\"\r\n\r\n2\r\n--b--\r\n";
  auto chunk = GENERATE(as<std::size_t>{}, 1, 2, 5, 64, 4096);
  fs::multipart_parser parser("b");
  refuser rec;
  auto r = run(parser, rec, body, chunk);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == error{errc::too_large, "refused bad"});
  CHECK(rec.parts == std::vector<recorded_part>{part("ok", "1")});
}

TEST_CASE("a large part streams through in pieces no bigger than the chunks",
          "[filestore][multipart]") {
  class sizer : public recorder {
  public:
    result<void> on_part_data(std::string_view data) override {
      largest = std::max(largest, data.size());
      total += data.size();
      return recodex::ok();
    }
    std::size_t largest = 0;
    std::size_t total = 0;
  };
  std::string content(1 << 20, 'x');
  for (std::size_t i = 0; i < content.size(); i += 997)
    content[i] = '\r';
  const std::string body =
      "--b\r\nContent-Disposition: form-data; name=\"big\"\r\n\r\n" + content + "\r\n--b--\r\n";
  fs::multipart_parser parser("b");
  sizer rec;
  REQUIRE(run(parser, rec, body, 4096).has_value());
  CHECK(rec.total == content.size());
  CHECK(rec.largest <= 4096);
}

TEST_CASE("the boundary comes from a multipart/form-data content type", "[filestore][multipart]") {
  struct row {
    std::string content_type;
    std::optional<std::string> boundary; // nullopt: refused
  };
  auto rows = std::vector<row>{
      {"multipart/form-data; boundary=abc", "abc"},
      {"multipart/form-data;boundary=abc", "abc"},
      {"Multipart/Form-Data; charset=utf-8; BOUNDARY=\"a b:c\"", "a b:c"},
      {"multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
       "----WebKitFormBoundary7MA4YWxkTrZu0gW"},
      {"multipart/form-data; boundary=\"quoted\" ; other=1", "quoted"},
      {"multipart/form-data", std::nullopt},
      {"multipart/form-data; boundary=", std::nullopt},
      {"multipart/form-data; boundary=\"\"", std::nullopt},
      {"multipart/form-data; boundary=\"trailing \"", std::nullopt},
      {"multipart/form-data; boundary=" + std::string(201, 'a'), std::nullopt},
      {"multipart/form-data; boundary=\"a\rb\"", std::nullopt},
      {"multipart/mixed; boundary=abc", std::nullopt},
      {"application/octet-stream", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& row : rows) {
    INFO(row.content_type);
    auto r = fs::multipart_boundary(row.content_type);
    if (row.boundary) {
      REQUIRE(r.has_value());
      CHECK(r.value() == *row.boundary);
    } else {
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code == errc::invalid_argument);
    }
  }
}
