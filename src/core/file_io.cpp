#include "core/file_io.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace respect {

Result<std::string> ReadFileBytes(const std::string& path, uint64_t max_bytes) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return Error{fmt::format("{}: {}", path, std::strerror(errno))};
  if (S_ISDIR(st.st_mode)) return Error{fmt::format("{}: is a directory, not a file", path)};
  if (static_cast<uint64_t>(st.st_size) > max_bytes)
    return Error{
        fmt::format("{}: file too large ({} bytes, limit {})", path, st.st_size, max_bytes)};
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{fmt::format("{}: cannot open: {}", path, std::strerror(errno))};
  std::string data(static_cast<size_t>(st.st_size), '\0');
  if (!data.empty() && !in.read(data.data(), static_cast<std::streamsize>(data.size())))
    return Error{fmt::format("{}: read failed", path)};
  return data;
}

Status WriteFileAtomic(const std::string& path, const std::string& content) {
  const std::string tmp = fmt::format("{}.tmp.{}", path, static_cast<long>(getpid()));
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return Error{fmt::format("{}: cannot write: {}", path, std::strerror(errno))};
  const bool wrote = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  const bool flushed = std::fflush(f) == 0 && fsync(fileno(f)) == 0;
  const bool closed = std::fclose(f) == 0;
  if (!wrote || !flushed || !closed) {
    std::remove(tmp.c_str());
    return Error{fmt::format("{}: write failed: {}", path, std::strerror(errno))};
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    return Error{fmt::format("{}: cannot rename into place: {}", path, std::strerror(err))};
  }
  return Status::Ok();
}

std::string FileExtension(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const size_t dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  std::string ext = path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext;
}

std::string FileStem(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  const size_t dot = base.find_last_of('.');
  return dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
}

}  // namespace respect
