// GML reader for the directed DAGs of ../shared/data/dag_benchmarks (and any GML with the same
// attributes). A small recursive-descent parser over key/value lists; nesting depth is capped so
// hostile input cannot exhaust the stack.
#include <fmt/format.h>

#include <cctype>
#include <map>
#include <memory>

#include "core/file_io.h"
#include "importers/importers.h"

namespace respect {
namespace {

struct GmlValue {
  enum Kind { kNumber, kString, kList } kind = kNumber;
  double number = 0;
  std::string text;
  std::vector<std::pair<std::string, GmlValue>> list;

  const GmlValue* Find(const std::string& key) const {
    for (const auto& [k, v] : list)
      if (k == key) return &v;
    return nullptr;
  }
};

class GmlParser {
 public:
  explicit GmlParser(const std::string& text) : s_(text) {}

  Result<GmlValue> ParseDocument() {
    GmlValue root;
    root.kind = GmlValue::kList;
    if (auto st = ParseList(root, 0, /*top=*/true); !st) return st.error();
    return root;
  }

 private:
  void SkipSpace() {
    while (pos_ < s_.size()) {
      if (std::isspace(static_cast<unsigned char>(s_[pos_]))) {
        if (s_[pos_] == '\n') ++line_;
        ++pos_;
      } else if (s_[pos_] == '#') {
        while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }
  Error Fail(const std::string& what) const {
    return Error{fmt::format("line {}: {}", line_, what)};
  }

  Status ParseList(GmlValue& out, int depth, bool top) {
    if (depth > 32) return Fail("nesting too deep");
    while (true) {
      SkipSpace();
      if (pos_ >= s_.size()) {
        if (top) return Status::Ok();
        return Fail("unexpected end of file (missing ']')");
      }
      if (s_[pos_] == ']') {
        if (top) return Fail("unexpected ']'");
        ++pos_;
        return Status::Ok();
      }
      size_t start = pos_;
      while (pos_ < s_.size() &&
             (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_'))
        ++pos_;
      if (start == pos_) return Fail(fmt::format("unexpected character '{}'", s_[pos_]));
      std::string key = s_.substr(start, pos_ - start);
      SkipSpace();
      if (pos_ >= s_.size()) return Fail(fmt::format("key '{}' has no value", key));
      GmlValue v;
      if (s_[pos_] == '[') {
        ++pos_;
        v.kind = GmlValue::kList;
        if (auto st = ParseList(v, depth + 1, false); !st) return st;
      } else if (s_[pos_] == '"') {
        size_t end = s_.find('"', pos_ + 1);
        if (end == std::string::npos) return Fail("unterminated string");
        v.kind = GmlValue::kString;
        v.text = s_.substr(pos_ + 1, end - pos_ - 1);
        pos_ = end + 1;
      } else {
        size_t vs = pos_;
        while (pos_ < s_.size() && !std::isspace(static_cast<unsigned char>(s_[pos_])) &&
               s_[pos_] != ']')
          ++pos_;
        std::string tok = s_.substr(vs, pos_ - vs);
        char* end = nullptr;
        v.number = std::strtod(tok.c_str(), &end);
        if (tok.empty() || *end != '\0')
          return Fail(fmt::format("bad value '{}' for key '{}'", tok, key));
      }
      out.list.emplace_back(std::move(key), std::move(v));
    }
  }

  const std::string& s_;
  size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

Result<Graph> ImportGmlText(const std::string& name, const std::string& text) {
  auto fail = [&](const std::string& what) { return Error{fmt::format("{}: {}", name, what)}; };
  auto doc = GmlParser(text).ParseDocument();
  if (!doc) return fail(doc.error().message);
  const GmlValue* graph = doc->Find("graph");
  if (!graph || graph->kind != GmlValue::kList) return fail("no 'graph [ ... ]' block");
  if (const GmlValue* directed = graph->Find("directed"); directed && directed->number == 0)
    return fail("graph is undirected; respect needs a directed graph");

  GraphBuilder b(FileStem(name));
  std::map<int64_t, int> node_ids;  // GML id -> operator id
  std::vector<int64_t> gml_id_of;
  for (const auto& [key, v] : graph->list) {
    if (key != "node") continue;
    const GmlValue* id = v.Find("id");
    if (!id || id->kind != GmlValue::kNumber) return fail("node without a numeric id");
    const auto gid = static_cast<int64_t>(id->number);
    if (node_ids.count(gid)) return fail(fmt::format("duplicate node id {}", gid));
    Operator op;
    const GmlValue* label = v.Find("label");
    op.name = label && label->kind == GmlValue::kString ? label->text : std::to_string(gid);
    op.type = "node";
    const GmlValue* param = v.Find("parameter");
    const int64_t param_bytes = param ? static_cast<int64_t>(param->number) : 0;
    if (param_bytes < 0) return fail(fmt::format("node {} has negative parameter", gid));
    node_ids[gid] = b.AddOp(std::move(op));
    b.AddParameter(node_ids[gid], param_bytes);
    gml_id_of.push_back(gid);
  }
  if (node_ids.empty()) return fail("graph has no nodes");
  int edge_index = 0;
  for (const auto& [key, v] : graph->list) {
    if (key != "edge") continue;
    const GmlValue* src = v.Find("source");
    const GmlValue* dst = v.Find("target");
    if (!src || !dst) return fail("edge without source or target");
    auto s = node_ids.find(static_cast<int64_t>(src->number));
    auto t = node_ids.find(static_cast<int64_t>(dst->number));
    if (s == node_ids.end() || t == node_ids.end())
      return fail(fmt::format("edge {} -> {} refers to a missing node", src->number, dst->number));
    if (s->second == t->second)
      return fail(fmt::format("self-loop on node {} (cycle)", src->number));
    const GmlValue* param = v.Find("parameter");
    Tensor tensor;
    tensor.name = fmt::format("e{}", edge_index++);
    tensor.bytes = param ? static_cast<int64_t>(param->number) : 0;
    if (tensor.bytes < 0) return fail("edge with negative parameter");
    int tid = b.AddTensor(std::move(tensor));
    b.op(s->second).outputs.push_back(tid);
    b.op(t->second).inputs.push_back(tid);
  }
  auto g = std::move(b).Build();
  if (!g) return fail(g.error().message);
  return g;
}

Result<Graph> ImportGml(const std::string& path) {
  auto text = ReadFileBytes(path, 1ull << 30);
  if (!text) return text.error();
  return ImportGmlText(path, *text);
}

}  // namespace respect
