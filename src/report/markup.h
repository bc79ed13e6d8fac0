// Escaping and colours shared by the pictures (Graphviz DOT, SVG) and the HTML report.
#pragma once

#include <string>

namespace respect {

// A string inside a DOT double-quoted label.
inline std::string DotEscape(const std::string& s) {
  std::string r;
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\';
    r += c;
  }
  return r;
}

// Text or an attribute value in XML/HTML/SVG.
inline std::string XmlEscape(const std::string& s) {
  std::string r;
  for (char c : s) {
    if (c == '<')
      r += "&lt;";
    else if (c == '>')
      r += "&gt;";
    else if (c == '&')
      r += "&amp;";
    else if (c == '"')
      r += "&quot;";
    else
      r += c;
  }
  return r;
}

// One fill colour per pipeline stage (ColorBrewer Set3), cycling after ten.
inline constexpr const char* kStageColours[] = {"#8dd3c7", "#ffffb3", "#bebada", "#fb8072",
                                                "#80b1d3", "#fdb462", "#b3de69", "#fccde5",
                                                "#d9d9d9", "#bc80bd"};

}  // namespace respect
