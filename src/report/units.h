// Human-readable sizes and counts for reports and pictures.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>

namespace respect {

// "1.23 MiB", "405.0 KiB", "992 B"; mib_decimals / kib_decimals set the precision.
inline std::string HumanBytes(int64_t b, int mib_decimals = 2, int kib_decimals = 1) {
  if (b >= (int64_t{1} << 20)) return fmt::format("{:.{}f} MiB", b / 1048576.0, mib_decimals);
  if (b >= 1024) return fmt::format("{:.{}f} KiB", b / 1024.0, kib_decimals);
  return fmt::format("{} B", b);
}

// "3.87 G", "20.07 M", "1.2 k"; g_decimals / m_decimals / k_decimals set the precision.
inline std::string HumanCount(int64_t n, int g_decimals = 2, int m_decimals = 2,
                              int k_decimals = 1) {
  if (n >= 1'000'000'000) return fmt::format("{:.{}f} G", n / 1e9, g_decimals);
  if (n >= 1'000'000) return fmt::format("{:.{}f} M", n / 1e6, m_decimals);
  if (n >= 1'000) return fmt::format("{:.{}f} k", n / 1e3, k_decimals);
  return std::to_string(n);
}

}  // namespace respect
