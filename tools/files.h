// Whole-file reads and atomic writes for the command line.
#pragma once

#include <string>

#include "base/base.h"

namespace pactum::tools {

// Largest file the command line reads whole; pactum messages are far smaller.
inline constexpr std::size_t kFileBytesMax = 256u << 20;

// Reads the whole file. Errors: kIo (with the path), kLimitExceeded past kFileBytesMax.
Result<Bytes> read_file(const std::string& path);
// Writes `bytes` to a temporary file beside `path`, fsyncs it and renames it
// over `path`, so a reader never sees half a file. Error kIo.
Result<void> write_file_atomic(const std::string& path, ByteSpan bytes, unsigned mode = 0644);

}  // namespace pactum::tools
