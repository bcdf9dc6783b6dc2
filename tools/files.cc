#include "tools/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pactum::tools {
namespace {
Error io_error(const std::string& what, const std::string& path) {
  return Error{Errc::kIo, what + " " + path + ": " + std::strerror(errno)};
}
}  // namespace

Result<Bytes> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Fail(io_error("cannot open", path));
  Bytes out;
  std::uint8_t buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error e = io_error("cannot read", path);
      ::close(fd);
      return Fail(std::move(e));
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > kFileBytesMax) {
      ::close(fd);
      return Fail(Errc::kLimitExceeded, path + " is larger than " + std::to_string(kFileBytesMax) + " bytes");
    }
    out.insert(out.end(), buf, buf + n);
  }
  ::close(fd);
  return out;
}

Result<void> write_file_atomic(const std::string& path, ByteSpan bytes, unsigned mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Fail(io_error("cannot create", tmp));
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error e = io_error("cannot write", tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return Fail(std::move(e));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    Error e = io_error("cannot flush", tmp);
    ::unlink(tmp.c_str());
    return Fail(std::move(e));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Error e = io_error("cannot rename onto", path);
    ::unlink(tmp.c_str());
    return Fail(std::move(e));
  }
  return Ok();
}

}  // namespace pactum::tools
