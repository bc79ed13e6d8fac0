#include "runtime/litert_runner.h"

#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/file_io.h"

namespace respect {

namespace fs = std::filesystem;

namespace {

constexpr const char* kScript = "run_tflite_pipeline.mjs";
constexpr const char* kWasm = "node_modules/@litertjs/core/wasm/litert_wasm_compat_internal.js";

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

bool NodeOnPath() { return std::system("command -v node > /dev/null 2>&1") == 0; }

}  // namespace

Result<std::string> FindLiteRtRunner(const std::string& dir) {
  std::vector<fs::path> candidates;
  if (!dir.empty()) {
    candidates.push_back(dir);
  } else {
    if (const char* env = std::getenv("RESPECT_LITERT_DIR"); env && *env) candidates.push_back(env);
#ifdef RESPECT_SOURCE_DIR
    candidates.push_back(fs::path(RESPECT_SOURCE_DIR) / "tools" / "litert");
#endif
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) candidates.push_back(exe.parent_path().parent_path() / "tools" / "litert");
  }
  std::error_code ec;
  for (const fs::path& c : candidates) {
    if (!fs::is_regular_file(c / kScript, ec)) continue;
    if (!fs::is_regular_file(c / kWasm, ec))
      return Error{fmt::format(
          "the TensorFlow Lite runtime is not installed in {0}: run `cd {0} && npm install "
          "--ignore-scripts` (Node.js and npm: apt-get install nodejs npm)",
          c.string())};
    if (!NodeOnPath())
      return Error{
          "Node.js is not installed (apt-get install nodejs): it runs the TensorFlow Lite "
          "interpreter that checks the segments"};
    return (c / kScript).string();
  }
  return Error{
      dir.empty()
          ? std::string("the TensorFlow Lite runner (tools/litert/run_tflite_pipeline.mjs) was not "
                        "found: set RESPECT_LITERT_DIR to the tools/litert folder of respect's "
                        "source tree")
          : fmt::format("{}: no {} there", dir, kScript)};
}

Result<ModelRun> RunTflitePipelines(const std::string& runner, const std::string& model,
                                    const std::vector<std::string>& dirs, int seed, int repeat) {
  // A file of its own for the runner's stderr (calls may run at once, from several threads).
  std::string err_file = (fs::temp_directory_path() / "respect-litert-XXXXXX").string();
  const int fd = mkstemp(err_file.data());
  if (fd < 0) return Error{"cannot create a temporary file for the TensorFlow Lite runner"};
  close(fd);
  std::string cmd =
      fmt::format("node {} --seed {} --repeat {} {}", Quote(runner), seed, repeat, Quote(model));
  for (const auto& d : dirs) cmd += " " + Quote(d);
  cmd += " 2> " + Quote(err_file);
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return Error{"cannot start Node.js for the TensorFlow Lite runner"};
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  const int status = pclose(pipe);
  std::string err;
  if (auto e = ReadFileBytes(err_file, 1 << 20)) err = *e;
  std::error_code ec;
  fs::remove(err_file, ec);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;

  ModelRun run;
  bool saw_whole = false;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) continue;
    if (j.value("whole", false)) {
      saw_whole = true;
      run.whole_ok = j.value("ok", false);
      run.whole_error = j.value("error", "");
      run.whole_ms = j.value("invoke_ms", 0.0);
      continue;
    }
    PipelineRun p;
    p.dir = j.value("pipeline", "");
    p.ok = j.value("ok", false);
    p.elements = j.value("elements", int64_t{0});
    p.mismatches = j.value("mismatches", int64_t{0});
    p.max_abs_diff = j.value("max_abs_diff", 0.0);
    p.error = j.value("error", "");
    if (j.contains("segments") && j["segments"].is_array())
      for (const auto& s : j["segments"])
        p.segments.push_back({s.value("file", ""), s.value("invoke_ms", 0.0)});
    run.pipelines.push_back(std::move(p));
  }
  if (!saw_whole || (run.whole_ok && run.pipelines.size() != dirs.size())) {
    std::string first = err.substr(0, err.find('\n'));
    return Error{fmt::format("the TensorFlow Lite runner failed (exit {}){}", code,
                             first.empty() ? std::string() : ": " + first)};
  }
  return run;
}

}  // namespace respect
