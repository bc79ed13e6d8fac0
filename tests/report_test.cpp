// The pictures and the HTML report: well-formed (parsed here as XML), complete (every stage and
// the figures of the JSON output), and rendered by a real browser (Debian's chromium, headless:
// a screenshot that is not blank, and the DOM with the stage table's K rows).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "report/training_curve.h"
#include "test_util.h"

namespace respect {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A small XML well-formedness check: declarations, comments, balanced and properly nested
// tags, quoted attributes, entities. Returns "" or what is wrong.
std::string XmlProblem(const std::string& x) {
  std::vector<std::string> open;
  size_t i = 0;
  while (i < x.size()) {
    if (x[i] == '&') {
      const size_t semi = x.find(';', i);
      if (semi == std::string::npos || semi - i > 10) return fmt::format("bare & at {}", i);
      i = semi + 1;
      continue;
    }
    if (x[i] != '<') {
      ++i;
      continue;
    }
    if (x.compare(i, 4, "<!--") == 0) {
      const size_t e = x.find("-->", i);
      if (e == std::string::npos) return "unclosed comment";
      i = e + 3;
      continue;
    }
    if (x.compare(i, 2, "<!") == 0 || x.compare(i, 2, "<?") == 0) {
      const size_t e = x.find('>', i);
      if (e == std::string::npos) return "unclosed declaration";
      i = e + 1;
      continue;
    }
    const bool closing = x[i + 1] == '/';
    size_t j = i + (closing ? 2 : 1);
    size_t k = j;
    while (k < x.size() && (std::isalnum(static_cast<unsigned char>(x[k])) || x[k] == ':' ||
                            x[k] == '-' || x[k] == '_'))
      ++k;
    const std::string name = x.substr(j, k - j);
    if (name.empty()) return fmt::format("bad tag at {}", i);
    // Attributes: skip quoted values.
    bool self_closing = false;
    while (k < x.size() && x[k] != '>') {
      if (x[k] == '"' || x[k] == '\'') {
        const size_t e = x.find(x[k], k + 1);
        if (e == std::string::npos) return "unclosed attribute value";
        k = e + 1;
        continue;
      }
      if (x[k] == '<') return fmt::format("'<' inside tag {} at {}", name, k);
      if (x[k] == '/' && k + 1 < x.size() && x[k + 1] == '>') self_closing = true;
      ++k;
    }
    if (k >= x.size()) return "unclosed tag " + name;
    if (closing) {
      if (open.empty() || open.back() != name)
        return fmt::format("</{}> closes <{}>", name, open.empty() ? "nothing" : open.back());
      open.pop_back();
    } else if (!self_closing) {
      open.push_back(name);
      if (name == "style" || name == "script") {  // raw text up to the closing tag
        const size_t e = x.find("</" + name, k);
        if (e == std::string::npos) return "unclosed " + name;
        k = e - 1;
      }
    }
    i = k + 1;
  }
  return open.empty() ? "" : "unclosed <" + open.back() + ">";
}

struct Cmd {
  int code;
  std::string out;
};
Cmd Shell(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {-1, ""};
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(Report, XmlCheckerCatchesBrokenMarkup) {
  EXPECT_EQ(XmlProblem("<a><b x=\"1\"/>t &amp; u</a>"), "");
  EXPECT_NE(XmlProblem("<a><b></a></b>"), "");
  EXPECT_NE(XmlProblem("<a>fish & chips</a>"), "");
  EXPECT_NE(XmlProblem("<a><b>"), "");
}

// The stage picture lays the stages side by side: the RESPECT authors' 782-node
// inception_resnet_v2 at K = 6 fits one screen (was 649 x 7,578 pt, a strip), and a hybrid
// schedule's report shows each stage's replicas.
double SvgAspect(const std::string& svg) {
  auto attr = [&](const char* name) {
    const size_t at = svg.find(std::string(name) + "=\"", svg.find("<svg"));
    return at == std::string::npos ? 0.0 : std::atof(svg.c_str() + at + std::strlen(name) + 2);
  };
  const double w = attr("width"), h = attr("height");
  return h > 0 ? w / h : 0;
}

TEST(Report, StagePictureRunsLeftToRightAndShowsReplicas) {
  const std::string dir = ::testing::TempDir() + "/respect_report_wide";
  std::filesystem::create_directories(dir);
  for (int K : {2, 6}) {
    const std::string svg = dir + fmt::format("/k{}.svg", K);
    auto r = Shell(fmt::format(
        "{} schedule {} -k {} --method dp -q --svg {} 2>&1", RESPECT_BINARY,
        testing::SharedPath("data/respect_paper_graphs/inception_resnet_v2.json"), K, svg));
    ASSERT_EQ(r.code, 0) << r.out;
    const double aspect = SvgAspect(Slurp(svg));
    EXPECT_GT(aspect, 1.0 / 3) << "K " << K;
    EXPECT_LT(aspect, 3.0) << "K " << K;
  }
  const std::string html = dir + "/hybrid.html", json = dir + "/hybrid.json";
  auto r = Shell(
      fmt::format("{} schedule zoo:mobilenet_v2 --tpus 4 -k 2 -q --json --out {} --report {} 2>&1",
                  RESPECT_BINARY, json, html));
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(Slurp(json));
  const std::string page = Slurp(html);
  EXPECT_EQ(XmlProblem(page), "");
  ASSERT_EQ(j["tpus"].get<int>(), 4);
  int replicated = 0;
  for (size_t k = 0; k < j["replicas"].size(); ++k) {
    const int rep = j["replicas"][k].get<int>();
    EXPECT_NE(page.find(fmt::format("<td>{}</td><td>{}</td>", k, rep)), std::string::npos);
    if (rep > 1) {
      ++replicated;
      EXPECT_NE(page.find(fmt::format("x {} replicas", rep)), std::string::npos);
    }
  }
  EXPECT_GT(replicated, 0);
  EXPECT_NE(page.find("on 4 usb TPUs"), std::string::npos);
}

TEST(Report, HtmlReportIsCompleteWellFormedAndRendersInABrowser) {
  const std::string dir = ::testing::TempDir() + "/respect_report";
  std::filesystem::create_directories(dir);
  const std::string html = dir + "/r.html", svg = dir + "/r.svg", json = dir + "/r.json";
  const int K = 6;
  auto r = Shell(fmt::format(
      "{} schedule zoo:inception_resnet_v2 -k {} -q --json --out {} --report {} --svg {} 2>&1",
      RESPECT_BINARY, K, json, html, svg));
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(Slurp(json));
  const std::string page = Slurp(html), picture = Slurp(svg);
  EXPECT_EQ(XmlProblem(page), "");
  EXPECT_EQ(XmlProblem(picture), "");
  // Every stage, with the figures of the JSON output.
  EXPECT_NE(page.find("inception_resnet_v2"), std::string::npos);
  EXPECT_NE(page.find(fmt::format("{:.3f} ms", j["period_ms"].get<double>())), std::string::npos);
  for (int k = 0; k < K; ++k) {
    EXPECT_NE(page.find(fmt::format("<td>{}</td><td>1</td><td>{}</td><td>{:.3f}</td>", k,
                                    j["stage_costs"][k]["ops"].get<int>(),
                                    j["stage_costs"][k]["latency_ms"].get<double>())),
              std::string::npos)
        << "stage " << k;
    EXPECT_NE(picture.find(fmt::format("stage {}", k)), std::string::npos);
  }
  // The verdict names what sets the period: a stage, or the host every stage shares.
  EXPECT_NE(page.find(j["limit"] == "stage" ? fmt::format("Stage {} limits the pipeline",
                                                          j["bottleneck_stage"].get<int>())
                                            : std::string("The host limits the pipeline")),
            std::string::npos)
      << j["limit"];
  EXPECT_NE(page.find(j["proven_optimal"].get<bool>() ? "proven optimal" : "not proven optimal"),
            std::string::npos);
  EXPECT_NE(page.find("schedule zoo:inception_resnet_v2 -k 6"), std::string::npos);  // the command
  EXPECT_EQ(page.find("http://"),
            page.find("http://www.w3.org"));  // nothing fetched from the network
  // Collapsed chains: far fewer boxes than operators.
  size_t boxes = 0;
  for (size_t at = picture.find("class=\"node\""); at != std::string::npos;
       at = picture.find("class=\"node\"", at + 1))
    ++boxes;
  EXPECT_GT(boxes, 20u);
  EXPECT_LT(boxes, static_cast<size_t>(j["assignment"].size()) * 3 / 4);

  // A real browser: a screenshot that is not blank, and the stage table in the DOM.
  ASSERT_EQ(Shell("command -v chromium >/dev/null").code, 0)
      << "chromium is not installed (scripts/run_tests.sh installs it)";
  const std::string flags = "--headless --no-sandbox --disable-gpu --disable-dev-shm-usage";
  const std::string png = dir + "/r.png";
  Shell(fmt::format("chromium {} --window-size=1280,1600 --screenshot={} file://{} >/dev/null 2>&1",
                    flags, png, html));
  ASSERT_TRUE(std::filesystem::exists(png));
  // A blank 1280x1600 page compresses to a few KiB; the report's text and charts do not.
  EXPECT_GT(std::filesystem::file_size(png), 40'000u);
  auto dom = Shell(fmt::format("chromium {} --dump-dom file://{} 2>/dev/null", flags, html));
  const size_t table = dom.out.find("id=\"stages\"");
  ASSERT_NE(table, std::string::npos);
  const std::string stages = dom.out.substr(table, dom.out.find("</table>", table) - table);
  size_t rows = 0;
  for (size_t at = stages.find("<tr"); at != std::string::npos; at = stages.find("<tr", at + 1))
    ++rows;
  EXPECT_EQ(rows, static_cast<size_t>(K + 1));  // header + one per stage
  std::filesystem::remove_all(dir);
}

TEST(Report, SimulateWritesTheSameReport) {
  const std::string html = ::testing::TempDir() + "/respect_sim_report.html";
  std::filesystem::remove(html);
  auto r = Shell(fmt::format("{} simulate zoo:inception_v4 --stages 3 --report {} 2>&1",
                             RESPECT_BINARY, html));
  ASSERT_EQ(r.code, 0) << r.out;
  const std::string page = Slurp(html);
  EXPECT_EQ(XmlProblem(page), "");
  size_t rows = 0;
  const size_t table = page.find("id=\"stages\"");
  ASSERT_NE(table, std::string::npos);
  const std::string stages = page.substr(table, page.find("</table>", table) - table);
  for (size_t at = stages.find("<tr"); at != std::string::npos; at = stages.find("<tr", at + 1))
    ++rows;
  EXPECT_EQ(rows, 4u);
  // --report with --sweep is refused, and a failed run writes nothing.
  const std::string none = ::testing::TempDir() + "/respect_none.html";
  EXPECT_NE(Shell(fmt::format("{} simulate zoo:inception_v4 --sweep 3 --report {} 2>&1",
                              RESPECT_BINARY, none))
                .code,
            0);
  EXPECT_FALSE(std::filesystem::exists(none));
  std::filesystem::remove(html);
}

TEST(Report, ExpandChainsDrawsEveryOperator) {
  const std::string a = ::testing::TempDir() + "/respect_a.svg",
                    b = ::testing::TempDir() + "/respect_b.svg";
  ASSERT_EQ(Shell(fmt::format("{} schedule zoo:resnet50 -k 4 -q --svg {} >/dev/null 2>&1",
                              RESPECT_BINARY, a))
                .code,
            0);
  ASSERT_EQ(
      Shell(fmt::format("{} schedule zoo:resnet50 -k 4 -q --expand-chains --svg {} >/dev/null 2>&1",
                        RESPECT_BINARY, b))
          .code,
      0);
  auto count = [](const std::string& svg) {
    size_t n = 0;
    for (size_t at = svg.find("class=\"node\""); at != std::string::npos;
         at = svg.find("class=\"node\"", at + 1))
      ++n;
    return n;
  };
  const std::string sa = Slurp(a), sb = Slurp(b);
  EXPECT_EQ(XmlProblem(sb), "");
  EXPECT_EQ(count(sb), 75u);  // ResNet-50 fused: 75 operators
  EXPECT_LT(count(sa), 60u);
  for (int k = 0; k < 4; ++k) EXPECT_NE(sa.find(fmt::format("stage {}", k)), std::string::npos);
}

// The training curve: well-formed, labels escaped, each reference line at its height (a larger
// mismatch is drawn higher), and an axis that never goes below zero.
TEST(Report, TrainingCurveDrawsReferenceLines) {
  const std::vector<CurvePoint> points = {
      {1, 0.80, 0.79, 12, 20}, {2, 0.85, 0.82, 10, 18}, {3, 0.9, 0.85, 8, 16}};
  const std::string svg =
      TrainingCurveSvg(points, "run <a>", {{"ASAP <level>", 30}, {"exact", 0.5}});
  EXPECT_EQ(XmlProblem(svg), "");
  EXPECT_NE(svg.find("ASAP &lt;level&gt; 30.00"), std::string::npos);
  EXPECT_NE(svg.find("exact 0.50"), std::string::npos);
  std::vector<double> ys;
  for (size_t at = svg.find("stroke-dasharray"); at != std::string::npos;
       at = svg.find("stroke-dasharray", at + 1)) {
    const size_t y = svg.rfind("y1='", at);
    ys.push_back(std::stod(svg.substr(y + 4)));
  }
  ASSERT_EQ(ys.size(), 2u);
  EXPECT_LT(ys[0], ys[1]);
  EXPECT_EQ(svg.find("end'>-"), std::string::npos);  // no negative tick label
  EXPECT_EQ(TrainingCurveSvg(points, "plain").find("stroke-dasharray"), std::string::npos);
}

}  // namespace
}  // namespace respect
