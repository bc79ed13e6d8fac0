#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/analysis.h"
#include "zoo/zoo.h"

namespace respect::cli {

Runner AddZoo(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  app.add_flag("--json", *json, "print a JSON array instead of a table");
  app.footer(
      "Use a model as MODEL with zoo:NAME[:key=value,...]; keys: input (resolution),\n"
      "granularity (fused | keras), top (1 = with classifier, 0 = without), alpha\n"
      "(width multiplier, MobileNets), classes. Example: zoo:resnet50:input=299,top=0");
  return [json] {
    nlohmann::json arr = nlohmann::json::array();
    if (!*json)
      fmt::print("{:<22} {:>5} {:>6} {:>6} {:>14} {:>12} {:>9}  {}\n", "name", "input", "ops",
                 "depth", "keras params", "int8 bytes", "GMACs", "description");
    for (const auto& m : ZooModels()) {
      auto g = BuildZooModel(m.name, ZooOptions{});
      if (!g) return Fail(g.error().message);
      if (*json) {
        arr.push_back({{"name", m.name},
                       {"description", m.description},
                       {"default_input", m.default_input},
                       {"num_nodes", g->num_ops()},
                       {"depth", Depth(*g)},
                       {"param_bytes", g->TotalParamBytes()},
                       {"macs", g->TotalMacs()},
                       {"keras_params_with_top", m.params_with_top},
                       {"keras_params_without_top", m.params_without_top}});
      } else {
        fmt::print("{:<22} {:>5} {:>6} {:>6} {:>14} {:>12} {:>9.2f}  {}\n", m.name, m.default_input,
                   g->num_ops(), Depth(*g), m.params_with_top, g->TotalParamBytes(),
                   g->TotalMacs() / 1e9, m.description);
      }
    }
    if (*json) fmt::print("{}\n", arr.dump(2));
    return 0;
  };
}

}  // namespace respect::cli
