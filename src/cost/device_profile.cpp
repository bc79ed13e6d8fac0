#include "cost/device_profile.h"

#include <fmt/format.h>

#include <cmath>
#include <tuple>

#include "core/file_io.h"

namespace respect {

// Generated at build time from devices/*.json (see CMakeLists.txt): name -> file text.
const std::map<std::string, std::string>& BuiltinDeviceProfileTexts();

double DeviceProfile::Utilisation(OpClass c) const {
  switch (c) {
    case OpClass::kConv:
      return util_conv;
    case OpClass::kDepthwiseConv:
      return util_depthwise;
    case OpClass::kFullyConnected:
      return util_fully_connected;
    default:
      return 1.0;
  }
}

bool DeviceProfile::FallsBackToCpu(const Operator& op) const {
  if (cpu_op_types.count(op.type)) return true;
  if (op.op_class == OpClass::kCustom) return op.type != "edgetpu-custom-op";
  return false;
}

std::vector<std::string> BuiltinDeviceNames() {
  std::vector<std::string> names;
  for (const auto& [name, text] : BuiltinDeviceProfileTexts()) names.push_back(name);
  return names;
}

namespace {

struct NumberField {
  const char* key;
  double DeviceProfile::*field;
  double min, max;
};

// Fields stored as doubles, with the range a physical value must lie in.
const std::vector<NumberField>& NumberFields() {
  static const std::vector<NumberField> fields = {
      {"clock_hz", &DeviceProfile::clock_hz, 1e6, 1e10},
      {"util_conv", &DeviceProfile::util_conv, 1e-4, 1},
      {"util_depthwise", &DeviceProfile::util_depthwise, 1e-4, 1},
      {"util_fully_connected", &DeviceProfile::util_fully_connected, 1e-4, 1},
      {"vector_elems_per_cycle", &DeviceProfile::vector_elems_per_cycle, 1e-3, 1e6},
      {"op_overhead_cycles", &DeviceProfile::op_overhead_cycles, 0, 1e9},
      {"link_in_bytes_per_s", &DeviceProfile::link_in_bytes_per_s, 1e3, 1e12},
      {"link_out_bytes_per_s", &DeviceProfile::link_out_bytes_per_s, 1e3, 1e12},
      {"invoke_overhead_s", &DeviceProfile::invoke_overhead_s, 0, 10},
      {"cpu_macs_per_s", &DeviceProfile::cpu_macs_per_s, 1e3, 1e15},
      {"cpu_op_overhead_s", &DeviceProfile::cpu_op_overhead_s, 0, 10},
  };
  return fields;
}

// The host's optional constants (DeviceProfile: defaults from the link and the invoke).
const std::vector<NumberField>& HostNumberFields() {
  static const std::vector<NumberField> fields = {
      {"host_invoke_s", &DeviceProfile::host_invoke_s, 0, 10},
      {"controller_in_bytes_per_s", &DeviceProfile::controller_in_bytes_per_s, 0, 1e13},
      {"controller_out_bytes_per_s", &DeviceProfile::controller_out_bytes_per_s, 0, 1e13},
  };
  return fields;
}

// A constant is written either as a bare number or as {"value": x, "source": "..."}.
Result<double> ReadNumber(const nlohmann::json& j, const std::string& key, DeviceProfile& p) {
  const nlohmann::json* v = &j.at(key);
  if (v->is_object()) {
    if (v->contains("source") && (*v)["source"].is_string()) p.sources[key] = (*v)["source"];
    if (!v->contains("value")) return Error{fmt::format("'{}' has no \"value\"", key)};
    v = &(*v)["value"];
  }
  if (!v->is_number()) return Error{fmt::format("'{}' must be a number", key)};
  return v->get<double>();
}

}  // namespace

Result<DeviceProfile> DeviceProfileFromJson(const nlohmann::json& j, const std::string& origin) {
  auto fail = [&](const std::string& what) {
    return Error{fmt::format("{}: device profile: {}", origin, what)};
  };
  if (!j.is_object()) return fail("expected a JSON object");
  DeviceProfile p;
  try {
    p.name = j.value("name", FileStem(origin));
    p.description = j.value("description", "");
    for (const auto& f : NumberFields()) {
      if (!j.contains(f.key)) return fail(fmt::format("missing '{}'", f.key));
      auto v = ReadNumber(j, f.key, p);
      if (!v) return fail(v.error().message);
      if (!(*v >= f.min && *v <= f.max))
        return fail(fmt::format("'{}' = {} is outside [{}, {}]", f.key, *v, f.min, f.max));
      p.*(f.field) = *v;
    }
    for (const char* key : {"mac_array", "param_cache_bytes"}) {
      if (!j.contains(key)) return fail(fmt::format("missing '{}'", key));
      auto v = ReadNumber(j, key, p);
      if (!v) return fail(v.error().message);
      if (!(*v >= 0 && *v <= 1e12 && std::floor(*v) == *v))
        return fail(fmt::format("'{}' must be a whole number in [0, 1e12]", key));
      (std::string(key) == "mac_array" ? p.mac_array : p.param_cache_bytes) =
          static_cast<int64_t>(*v);
    }
    if (p.mac_array < 1) return fail("'mac_array' must be at least 1");
    for (const char* key : {"cpu_op_types", "free_op_types"}) {
      if (!j.contains(key)) continue;
      if (!j[key].is_array()) return fail(fmt::format("'{}' must be an array of strings", key));
      auto& set = std::string(key) == "cpu_op_types" ? p.cpu_op_types : p.free_op_types;
      for (const auto& s : j[key]) {
        if (!s.is_string()) return fail(fmt::format("'{}' must be an array of strings", key));
        set.insert(s.get<std::string>());
      }
    }
    // The host: optional, defaulting to one host whose controller moves what one link does.
    p.host_invoke_s = p.invoke_overhead_s;
    p.controller_in_bytes_per_s = p.link_in_bytes_per_s;
    p.controller_out_bytes_per_s = p.link_out_bytes_per_s;
    for (const auto& f : HostNumberFields()) {
      if (!j.contains(f.key)) continue;
      auto v = ReadNumber(j, f.key, p);
      if (!v) return fail(v.error().message);
      if (!(*v >= f.min && *v <= f.max))
        return fail(fmt::format("'{}' = {} is outside [{}, {}]", f.key, *v, f.min, f.max));
      p.*(f.field) = *v;
    }
    for (const auto& [key, field, min] :
         {std::tuple{"host_cores", &DeviceProfile::host_cores, 1},
          std::tuple{"tpus_per_controller", &DeviceProfile::tpus_per_controller, 0}}) {
      if (!j.contains(key)) continue;
      auto v = ReadNumber(j, key, p);
      if (!v) return fail(v.error().message);
      if (!(*v >= min && *v <= 4096 && std::floor(*v) == *v))
        return fail(fmt::format("'{}' must be a whole number in [{}, 4096]", key, min));
      p.*field = static_cast<int>(*v);
    }
    if (j.contains("sources") && j["sources"].is_object())
      for (auto& [k, v] : j["sources"].items())
        if (v.is_string()) p.sources[k] = v;
  } catch (const nlohmann::json::exception& e) {
    return fail(e.what());
  }
  return p;
}

nlohmann::json DeviceProfileToJson(const DeviceProfile& p) {
  nlohmann::json j;
  j["name"] = p.name;
  j["description"] = p.description;
  auto put = [&](const std::string& key, double value) {
    auto it = p.sources.find(key);
    if (it == p.sources.end())
      j[key] = value;
    else
      j[key] = {{"value", value}, {"source", it->second}};
  };
  put("mac_array", static_cast<double>(p.mac_array));
  for (const auto& f : NumberFields()) put(f.key, p.*(f.field));
  put("param_cache_bytes", static_cast<double>(p.param_cache_bytes));
  put("host_cores", p.host_cores);
  for (const auto& f : HostNumberFields()) put(f.key, p.*(f.field));
  put("tpus_per_controller", p.tpus_per_controller);
  j["cpu_op_types"] = p.cpu_op_types;
  j["free_op_types"] = p.free_op_types;
  return j;
}

namespace {

// Reads a profile's JSON text by built-in name or path, and resolves "base": a profile may
// name another (built in or a path) and override only some of its fields.
Result<nlohmann::json> LoadProfileJson(const std::string& name_or_path, std::string& origin,
                                       int depth) {
  if (depth > 8)
    return Error{fmt::format("{}: device profile: \"base\" chain too deep", name_or_path)};
  const auto& builtin = BuiltinDeviceProfileTexts();
  std::string text;
  origin = name_or_path;
  if (auto it = builtin.find(name_or_path); it != builtin.end()) {
    text = it->second;
    origin = "device " + name_or_path;
  } else if (name_or_path.find('/') != std::string::npos || FileExtension(name_or_path) == "json") {
    auto bytes = ReadFileBytes(name_or_path, 16 << 20);
    if (!bytes) return bytes.error();
    text = std::move(*bytes);
  } else {
    std::string names;
    for (const auto& n : BuiltinDeviceNames()) names += (names.empty() ? "" : ", ") + n;
    return Error{fmt::format("unknown device '{}' (built in: {}; or give a .json profile path)",
                             name_or_path, names)};
  }
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return Error{fmt::format("{}: device profile: not a JSON object", origin)};
  if (j.contains("base")) {
    if (!j["base"].is_string())
      return Error{fmt::format("{}: device profile: \"base\" must be a name", origin)};
    std::string base_origin;
    auto base = LoadProfileJson(j["base"].get<std::string>(), base_origin, depth + 1);
    if (!base) return base.error();
    nlohmann::json merged = std::move(*base);
    for (auto& [k, v] : j.items())
      if (k != "base") merged[k] = v;
    return merged;
  }
  return j;
}

}  // namespace

Result<DeviceProfile> LoadDeviceProfile(const std::string& name_or_path) {
  std::string origin;
  auto j = LoadProfileJson(name_or_path, origin, 0);
  if (!j) return j.error();
  return DeviceProfileFromJson(*j, origin);
}

}  // namespace respect
