// File reading with a size cap, and atomic writes (temporary file + rename), so that a failed or
// interrupted command never leaves a partial output behind.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace respect {

// Reads a whole file. Files larger than max_bytes are rejected rather than read.
Result<std::string> ReadFileBytes(const std::string& path, uint64_t max_bytes = 4ull << 30);

// Writes content to path atomically: to "path.tmp.<pid>" first, then rename().
Status WriteFileAtomic(const std::string& path, const std::string& content);

// Lower-case extension without the dot ("tflite" for "a/b.TFLite"); "" when none.
std::string FileExtension(const std::string& path);
// File name without directories and extension ("resnet50" for "a/resnet50.tflite").
std::string FileStem(const std::string& path);

}  // namespace respect
